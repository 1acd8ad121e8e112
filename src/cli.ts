/**
 * `decoder-lens` command line: the same vscode-free core the extension's worker uses.
 *   decoder-lens demo                         decode the built-in demo model and print a summary
 *   decoder-lens inspect --model PATH         list a model's ONNX files with their inputs and outputs
 */
import { runCli } from './cli/main';

runCli(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`decoder-lens: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
