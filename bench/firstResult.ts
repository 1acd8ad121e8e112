/**
 * First result in the real VS Code: the time from running "Decoder Lens: Decode Selection" to the attention panel's
 * first painted frame, cold (the first decode in a fresh window: activation, worker, sessions, decode, webview)
 * and warm (the same selection again), on the demo model and the bench model — against a plain node process that
 * loads the same ONNX file with onnxruntime-node and runs the same tokens (prompt + the tokens the decode chose).
 * Each round starts its own code-server and browser (bench/firstResult.mjs), interleaved with the plain process.
 * Heavy (a code-server and Chromium per round, about a minute each on a shared 2-core machine): only when named.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../src/core/decode';
import { SESSION_OPTIONS } from '../src/core/decode/sessionCache';
import { repoRoot, runPlainProcess, scratchFile } from './floor/processes';
import { openBenchModel } from './models/gpt2';
import { interleaved, median, pairCount, summarise, type BenchRow } from './table';

/** The bench model's prompt length (the floor section's T). */
const T = 256;
/** The first line of the demo folder's sample.txt (what the README's walkthrough selects). */
const DEMO_LINE = 'copy: the red fox saw a big moon =';

interface Round {
  coldMs: number;
  warmMs: number;
  generated: number;
  tokens: number;
  /** The worker's decode time for the cold and the warm decode, from the extension's log. */
  decodeMs: number[];
}

interface Subject {
  label: string;
  /** The model folder (the workspace setting points at it), or undefined for the built-in demo. */
  modelDir?: string;
  /** The ONNX file the plain process loads. */
  file: string;
  line: string;
  ids: number[];
}

export async function runFirstResultBench(log: (line: string) => void): Promise<BenchRow[]> {
  if (!existsSync(join(repoRoot, 'dist', 'extension.js')))
    throw new Error('dist/extension.js is missing: run node scripts/build.mjs first');
  const rows: BenchRow[] = [];
  for (const subject of [await demoSubject(), await benchSubject(log)]) rows.push(...(await measure(subject, log)));
  return rows;
}

async function demoSubject(): Promise<Subject> {
  const dir = join(repoRoot, 'dist', 'demo-model');
  const model = await openModel(dir);
  // One file, as a person would load it: the merged decoder when there is one.
  const files = model.layout.files;
  const file = (files.find((f) => f.role === 'decoder-merged') ?? files.find((f) => f.role === 'decoder') ?? files[0]).path;
  return {
    label: 'demo model',
    file,
    line: DEMO_LINE,
    ids: model.tokenizer.encode(DEMO_LINE, { addSpecialTokens: true }).map((t) => t.id),
  };
}

async function benchSubject(log: (line: string) => void): Promise<Subject> {
  const { dir, model, text } = await openBenchModel(T, log);
  // One line in the editor: the prompt's text as it tokenizes (no line breaks in it).
  const line = text.replace(/\s+/g, ' ').trim();
  const ids = model.tokenizer.encode(line, { addSpecialTokens: true }).map((t) => t.id);
  return {
    label: `bench model (GPT-2-small shape, 1 file, T = ${ids.length})`,
    modelDir: dir,
    file: join(dir, 'onnx', 'model.onnx'),
    line,
    ids,
  };
}

/** A workspace folder holding sample.txt (the line first) and, for a model of its own, the setting naming it. */
function workspaceFor(s: Subject): string {
  const folder = mkdtempSync(join(tmpdir(), 'decoder-lens-first-result-'));
  writeFileSync(join(folder, 'sample.txt'), `${s.line}\n`);
  if (s.modelDir) {
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'decoderLens.modelPath': s.modelDir }, null, 2));
  }
  return folder;
}

async function measure(s: Subject, log: (line: string) => void): Promise<BenchRow[]> {
  const folder = workspaceFor(s);
  try {
    const warm: number[] = [];
    const decodes: number[][] = [[], []];
    let generated = -1;
    const vscodeSide = async () => {
      const r = await runRound(folder, s.line, log);
      warm.push(r.warmMs);
      r.decodeMs.slice(0, 2).forEach((ms, i) => decodes[i].push(ms));
      generated = r.generated;
      return r.coldMs;
    };
    // The plain process runs as many steps as the decode generated (the demo stops at its end token).
    const plainSide = async () =>
      (await runPlainProcess({ file: s.file, ids: s.ids, newTokens: Math.max(1, generated), options: SESSION_OPTIONS })).ms;
    log(`first result, ${s.label}: a warm-up round (page cache, code-server's first start)…`);
    await vscodeSide();
    warm.length = decodes[0].length = decodes[1].length = 0;
    const rounds = await interleaved(pairCount(3), [vscodeSide, plainSide]);
    const cold = summarise(rounds, 0, 1);
    const warmRatios = rounds.map((r, i) => warm[i] / r[1]);
    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const inWorker = (i: number) => (decodes[i].length ? `, of which the worker's decode ${fmt(median(decodes[i]))}` : '');
    const detail = (what: string, ms: number, i: number) =>
      `${what} ${fmt(ms)}${inWorker(i)} vs plain ${fmt(cold.baseline)} (median of ${cold.pairs} interleaved rounds; ${s.ids.length} prompt + ${generated} generated tokens)`;
    return [
      {
        name: `first result, cold: Decode Selection → panel painted, ${s.label}`,
        baseline: 'a node process: load the same file with onnxruntime-node, run the same tokens',
        ratio: cold.ratio,
        spread: cold.spread,
        goal: '≤ 1.2',
        detail: detail('cold', cold.measured, 0),
      },
      {
        name: `first result, warm (same selection again): ${s.label}`,
        baseline: 'the same plain process',
        ratio: median(warmRatios),
        spread: [Math.min(...warmRatios), Math.max(...warmRatios)],
        detail: detail('warm', median(warm), 1),
      },
    ];
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** One round in a fresh code-server and browser (bench/firstResult.mjs), its figures parsed from stdout. */
function runRound(folder: string, line: string, log: (line: string) => void): Promise<Round> {
  const jobFile = scratchFile(`first-result-${process.hrtime.bigint()}.json`);
  writeFileSync(jobFile, JSON.stringify({ folder, line }));
  const child = spawn(process.execPath, [join(repoRoot, 'bench', 'firstResult.mjs'), jobFile], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const l of d.toString().split('\n')) if (l.startsWith('firstResult:')) log(l.slice('firstResult: '.length));
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(jobFile, { force: true });
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.startsWith('{'))
        return reject(new Error(`the first-result round failed (exit ${code}): ${stderr.slice(-3000)}`));
      resolve(JSON.parse(last) as Round);
    });
  });
}
