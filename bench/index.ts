/**
 * `npm run bench`: every figure is a ratio against a named baseline measured side by side in this run.
 * Nothing here asserts a time; machines are noisy. The table is printed for the README.
 */
import { runDecodeBench } from './decode';
import { runGraphBench } from './graph';
import { runLensBench } from './lens';
import { printTable, type BenchRow } from './table';

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: BenchRow[] = [];
  if (only.length === 0 || only.includes('graph')) rows.push(...(await runGraphBench()));
  if (only.length === 0 || only.includes('decode')) rows.push(...(await runDecodeBench(log)));
  if (only.length === 0 || only.includes('lens')) rows.push(...(await runLensBench(log)));
  process.stdout.write(`\n${printTable(rows)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
