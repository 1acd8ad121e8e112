import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../core/errors';
import { findModelLayout } from '../core/model/layout';
import { parseArgs, stringFlag } from './args';

const USAGE = `Usage: decoder-lens <command> [options]
  demo                      decode the built-in demo model and print a readable summary
  inspect --model PATH      list a model's ONNX files with their inputs and outputs
`;

/** The built-in demo model sits beside the bundle (dist/demo-model). */
export const demoModelPath = () => join(__dirname, 'demo-model');

export async function runCli(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  try {
    switch (args.command) {
      case 'inspect':
        await inspect(stringFlag(args, 'model') ?? demoModelPath());
        return 0;
      case 'demo':
        await inspect(demoModelPath());
        return 0;
      case undefined:
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return args.command ? 0 : 2;
      default:
        process.stderr.write(`Unknown command "${args.command}".\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof DecoderLensError) {
      process.stderr.write(`decoder-lens: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function inspect(modelPath: string): Promise<void> {
  const layout = findModelLayout(modelPath);
  for (const file of layout.files) {
    const session = await ort.InferenceSession.create(file.path);
    process.stdout.write(`${file.role}: ${file.path}\n  inputs:  ${session.inputNames.join(', ')}\n  outputs: ${session.outputNames.join(', ')}\n`);
    await session.release();
  }
}
