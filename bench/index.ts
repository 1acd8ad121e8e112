/**
 * `npm run bench`: every figure is a ratio against a named baseline measured side by side in this run.
 * Nothing here asserts a time; machines are noisy. The table is printed for the README.
 */
import { runDecodeBench } from './decode';
import { runFirstResultBench } from './firstResult';
import { runFloorBench } from './floor';
import { runGraphBench } from './graph';
import { runInterventionsBench } from './interventions';
import { runLensBench } from './lens';
import { runLongBench } from './long';
import { runMemoryBench } from './memory';
import { printShortTable, printTable, type BenchRow } from './table';

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** `npm run bench [section…]`: no section runs the default ones; the heavy ones run only when named. */
const SECTIONS: Record<string, { byDefault: boolean; run(): Promise<BenchRow[]> }> = {
  graph: { byDefault: true, run: () => runGraphBench() },
  decode: { byDefault: true, run: () => runDecodeBench(log) },
  lens: { byDefault: true, run: () => runLensBench(log) },
  floor: { byDefault: true, run: () => runFloorBench(log) },
  // Heavy (GBs of generated models and memory, minutes): only when named.
  memory: { byDefault: false, run: () => runMemoryBench(log) },
  long: { byDefault: false, run: () => runLongBench(log) },
  // A code-server and Chromium per round, in the real VS Code (about a minute a round here): only when named.
  firstResult: { byDefault: false, run: () => runFirstResultBench(log) },
  // Minutes on two cores (144 heads ranked at T = 256 and as many plain passes): only when named.
  interventions: { byDefault: false, run: () => runInterventionsBench(log) },
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((s) => !(s in SECTIONS));
  if (unknown.length) throw new Error(`unknown bench section ${unknown.join(', ')}: expected ${Object.keys(SECTIONS).join(', ')}`);
  const chosen = asked.length ? asked : Object.keys(SECTIONS).filter((s) => SECTIONS[s].byDefault);
  const rows: BenchRow[] = [];
  for (const name of chosen) {
    const start = Date.now();
    const section = await SECTIONS[name].run();
    rows.push(...section);
    // Each section's rows as soon as it ends, so a long run that is stopped still leaves its figures.
    log(`section ${name} took ${((Date.now() - start) / 1000).toFixed(0)} s\n${printTable(section)}`);
  }
  process.stdout.write(`\n${printTable(rows)}\n\nFor the README:\n\n${printShortTable(rows)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
