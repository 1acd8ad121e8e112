/**
 * External-data memory (`npm run bench memory`): a generated decoder over 2.5 GB whose weights sit in
 * onnx/model.onnx_data (cached under the OS temp folder with a .done marker), and the peak resident memory of
 * `decoder-lens trace` on it vs a plain onnxruntime-node process running the same file on the same tokens.
 * Skipped, saying why, when the disk or the memory is short.
 */
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../src/core/decode';
import { SESSION_OPTIONS } from '../src/core/decode/sessionCache';
import { memoryFree, shortOf } from './floor/resources';
import { runPlainProcess, runTraceProcess, scratchFile, type ProcessRun } from './floor/processes';
import type { GptSpec } from './graph/gptGraph';
import { benchFolder, benchPrompt, benchTokenizerDir, ensureGpt2Folder } from './models/gpt2';
import { gb, interleaved, median, pairCount, summarise, type BenchRow } from './table';

/** 44 blocks 1,024 wide (~50 MB each) + embeddings and LM head (~206 MB each): ~2.63 GB of float32 weights. */
export const EXTERNAL_SPEC: GptSpec = { layers: 44, hidden: 1024, heads: 16, vocab: 50265, ffn: 4096, past: true, valueInfo: true };
const WEIGHTS = 2.63e9;
const T = 64;
const NEW_TOKENS = 8;

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const side = (xs: number[], f: (x: number) => string) => (xs.length ? f(median(xs)) : 'failed');

export async function runMemoryBench(log: (line: string) => void): Promise<BenchRow[]> {
  const started = Date.now();
  const dir = benchFolder({ spec: EXTERNAL_SPEC, externalData: true });
  const cached = existsSync(join(dir, 'onnx', 'model.onnx.done'));
  const short = shortOf({ disk: cached ? 0 : WEIGHTS + 1e9, memory: 3 * WEIGHTS }, tmpdir());
  if (short) {
    log(`memory: SKIPPED — the external-data model ${short}`);
    return [
      {
        name: 'external data: peak memory of trace',
        baseline: 'plain ORT process',
        ratio: NaN,
        goal: '≤ 1.2',
        detail: `skipped: ${short}`,
      },
    ];
  }
  ensureGpt2Folder(benchTokenizerDir(), log, { spec: EXTERNAL_SPEC, externalData: true });
  const file = join(dir, 'onnx', 'model.onnx');
  const size = statSync(file).size + statSync(`${file}_data`).size;
  const model = await openModel(dir);
  const { text } = benchPrompt(model, T);
  const ids = model.tokenizer.encode(text, { addSpecialTokens: true }).map((t) => t.id);
  // Past this a child is stopped (the figure is then "over", not a number): keeps the shared machine alive.
  const killAbove = Math.min(memoryFree() - 2e9, 4 * size);
  const rss: number[][] = [[], []];
  const ms: number[][] = [[], []];
  let killed = '';
  const failed: string[] = [];
  /** A side that fails is reported in the row (NaN figure), not thrown: the other side's figure still says something. */
  const guarded = async (side: number, run: () => Promise<ProcessRun>, who: string) => {
    try {
      const r = await run();
      rss[side].push(r.peakRss);
      ms[side].push(r.ms);
      if (r.killedAt) killed = `${who} passed ${gb(r.killedAt)} and was stopped`;
      return r.peakRss;
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      if (!failed.includes(message)) failed.push(message);
      log(`memory: ${message}`);
      return NaN;
    }
  };
  const plainSide = () =>
    guarded(0, () => runPlainProcess({ file, ids, newTokens: NEW_TOKENS, options: SESSION_OPTIONS }, { killAbove }), 'the plain process');
  const flags = ['--max-new-tokens', String(NEW_TOKENS), '--lens-k', '5', '--out', scratchFile('memory.dltrace')];
  const traceSide = () => guarded(1, () => runTraceProcess(dir, text, flags, { killAbove }), 'trace');
  log(`memory: ${(size / 1e9).toFixed(2)} GB model with external data; peak RSS of a plain ORT process vs trace…`);
  const s = summarise(await interleaved(pairCount(2), [plainSide, traceSide]), 1);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  log(`memory: section took ${seconds} s`);
  return [
    {
      name: `external data (${(size / 1e9).toFixed(2)} GB, onnx/model.onnx_data): peak RSS of \`trace --max-new-tokens ${NEW_TOKENS}\``,
      baseline: 'peak RSS of a plain onnxruntime-node process on the same file and tokens',
      ratio: s.ratio,
      spread: s.spread,
      goal: '≤ 1.2',
      detail: `${side(rss[1], gb)} vs ${side(rss[0], gb)}; median of ${s.pairs} interleaved pairs; time ${side(ms[1], sec)} vs ${side(ms[0], sec)}; T = ${ids.length}${killed ? `; ${killed}` : ''}${failed.length ? `; FAILED: ${failed.join('; ')}` : ''}; section ${seconds} s`,
    },
  ];
}
