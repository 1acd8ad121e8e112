// Graph-core benchmark on a generated ≥300 MB decoder: every figure is a ratio against a baseline measured in
// the same run (page cache warm for both sides: the file is read once before anything is timed).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { type ReadStats, buildTappedModel, findTaps, readModel } from '../src/core/onnx';
import { bigModel } from './graph/bigModel';

export interface Row {
  name: string;
  baseline: string;
  ratio: number;
  goal?: string;
  detail: string;
}

const log = (s: string) => process.stderr.write(`bench graph: ${s}\n`);
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time<T>(body: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const value = await body();
  return [ms(t0), value];
}

/** Process wall time (ms) of `node args…`. */
function processMs(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  return ms(t0);
}

export async function runGraphBench(): Promise<Row[]> {
  const path = bigModel(log);
  const mb = statSync(path).size / 1e6;
  await readFile(path); // warm the page cache so both sides read from memory

  // 1. Scan (lazy read + tap finding) against reading the whole file, the read timed before and after.
  const read1 = median([await time(() => readFile(path)), await time(() => readFile(path))].map(([t]) => t));
  const stats: ReadStats = { reads: 0, bytes: 0 };
  const scans: number[] = [];
  let report = findTaps(await readModel(path, { stats }));
  for (let i = 0; i < 5; i++) {
    const [t, r] = await time(async () => findTaps(await readModel(path)));
    scans.push(t);
    report = r;
  }
  const read2 = median([await time(() => readFile(path)), await time(() => readFile(path))].map(([t]) => t));
  const readMs = (read1 + read2) / 2;
  const scanMs = median(scans);
  const rows: Row[] = [
    {
      name: 'scan: readModel + findTaps',
      baseline: 'fs.readFile of the model',
      ratio: scanMs / readMs,
      goal: '≤ 0.25',
      detail: `${mb.toFixed(0)} MB model, ${report.attention.length} attention taps; scan ${scanMs.toFixed(1)} ms (median of 5, ${stats.reads} reads, ${(stats.bytes / 1024).toFixed(0)} KB) vs read ${readMs.toFixed(0)} ms (median of 2 before + 2 after, warm page cache)`,
    },
  ];

  // 2. Session creation with taps against without, alternating, same bytes source and options.
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', intraOpNumThreads: 1, logSeverityLevel: 3 };
  const plainCreate: number[] = [];
  const tappedCreate: number[] = [];
  const plainTotal: number[] = [];
  const tappedTotal: number[] = [];
  let outputs = 0;
  const plainRun = async () => {
    const [tr, bytes] = await time(() => readFile(path));
    const [tc, plain] = await time(() => ort.InferenceSession.create(bytes, options));
    plainCreate.push(tc);
    plainTotal.push(tr + tc);
    await plain.release();
  };
  const tappedRun = async () => {
    const [tb, tapped] = await time(() => buildTappedModel(path));
    const [tt, session] = await time(() => ort.InferenceSession.create(tapped.bytes, options));
    outputs = tapped.outputs.length;
    tappedCreate.push(tt);
    tappedTotal.push(tb + tt);
    await session.release();
  };
  // ABBA order, so neither side always pays for the other's garbage.
  for (const run of [plainRun, tappedRun, tappedRun, plainRun, plainRun, tappedRun]) await run();
  log(
    `session create: plain ${plainCreate.map((t) => t.toFixed(0)).join(', ')} ms; tapped ${tappedCreate.map((t) => t.toFixed(0)).join(', ')} ms`,
  );
  rows.push(
    {
      name: 'session create with taps',
      baseline: 'session create without taps',
      ratio: median(tappedCreate) / median(plainCreate),
      goal: '≤ 1.1',
      detail: `${outputs} tap outputs; ${median(tappedCreate).toFixed(0)} vs ${median(plainCreate).toFixed(0)} ms (median of 3 each, ABBA order, from bytes, optimisation 'all', 1 thread)`,
    },
    {
      name: 'buildTappedModel + session create',
      baseline: 'readFile + session create',
      ratio: median(tappedTotal) / median(plainTotal),
      detail: `${median(tappedTotal).toFixed(0)} vs ${median(plainTotal).toFixed(0)} ms (the tapped path reads, scans and copies the bytes once)`,
    },
  );

  // 3. `decoder-lens taps` as a whole process against a process that only reads the file.
  let root = __dirname;
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  const cli = join(root, 'dist', 'cli.js');
  const core = join(__dirname, '..', 'src', 'cli', 'taps.js'); // beside this file in the compiled tree
  const useDist = existsSync(cli);
  const tapsArgs = useDist
    ? [cli, 'taps', '--model', path, '--json']
    : ['-e', `require(${JSON.stringify(core)}).tapsCommand(${JSON.stringify(path)}).then((j) => process.stdout.write(JSON.stringify(j)))`];
  const readArgs = ['-e', `require('fs').readFileSync(${JSON.stringify(path)})`];
  const tapsMs = median([processMs(tapsArgs), processMs(tapsArgs), processMs(tapsArgs)]);
  const readProcMs = median([processMs(readArgs), processMs(readArgs), processMs(readArgs)]);
  rows.push({
    name: useDist ? '`node dist/cli.js taps --json` process' : 'taps command process (out/src/cli/taps.js; dist/cli.js not built)',
    baseline: 'a node process that reads the file',
    ratio: tapsMs / readProcMs,
    goal: '< 1',
    detail: `${tapsMs.toFixed(0)} vs ${readProcMs.toFixed(0)} ms (median of 3 each)`,
  });
  return rows;
}
