/**
 * Floor rows: Decoder Lens against plain onnxruntime-node running the same file on the same tokens with the same
 * session options (bench/floor/plainLoop.ts: greedy, KV cache), on a single-file model (onnx/model.onnx with past
 * inputs) and an Optimum merged-If model, both GPT-2-small-shaped (~650 MB, random weights).
 *  - in-process, interleaved: the plain loop; the same loop on the tapped session (what ONNX Runtime alone pays for
 *    the extra outputs); `decode` with the extension's default capture (attention, masks, hidden-state norms,
 *    per-step probabilities, logit lens of the last row, top-5) — prefill (1 new token) and 64 new tokens;
 *  - whole process, interleaved: a node process that loads the file and runs the loop vs `decoder-lens trace
 *    --lens-k 5 --out FILE.dltrace` (tokenizer, surgery, sessions and the written trace included);
 *  - `trace --max-new-tokens 1` on a split Optimum folder (decoder + with-past), time and peak memory.
 * The prompt is T = 256 tokens everywhere (as the trace tokenizes it, special tokens included).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decode, type OpenedModel } from '../src/core/decode';
import { SESSION_OPTIONS, SessionCache } from '../src/core/decode/sessionCache';
import type { LensGraphOptions } from '../src/core/lens/graph';
import { decodeTrace } from '../src/core/trace/file';
import { plainGreedy } from './floor/plainLoop';
import { runPlainProcess, runTraceProcess, scratchFile } from './floor/processes';
import { openBenchModel, type BenchLayout } from './models/gpt2';
import { gb, interleaved, median, medianRatio, pairCount, summarise, withCpu, type BenchRow, type PairSummary } from './table';

const T = 256;
const NEW_TOKENS = 64;
/** The extension's default decode (src/host/decode/runDecode.ts): every tap, the lens on the last row, top-5. */
const EXTENSION_LENS: LensGraphOptions = { rows: 'last', k: 5 };
const TRACE_FLAGS = ['--lens-k', '5'];

const fileOf = (dir: string, layout: BenchLayout) =>
  layout === 'single'
    ? join(dir, 'onnx', 'model.onnx')
    : layout === 'merged'
      ? join(dir, 'decoder_model_merged.onnx')
      : join(dir, 'decoder_model.onnx');

const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const spreadText = (s: { spread: [number, number]; pairs: number }) =>
  `median of ${s.pairs} interleaved rounds, ratios ${s.spread[0].toFixed(2)}–${s.spread[1].toFixed(2)}`;

/** The token ids a decode of `text` feeds (the trace's own tokenization, special tokens included). */
const traceIds = (model: OpenedModel, text: string) => model.tokenizer.encode(text, { addSpecialTokens: true }).map((t) => t.id);

/**
 * DECODER_LENS_BENCH_FLOOR narrows the run on a busy machine: 'inprocess' (the in-process rows only), optionally
 * ':single' or ':merged' for one layout; unset, everything.
 */
function floorScope(): { wholeProcess: boolean; layouts: ('single' | 'merged')[] } {
  const [part = '', layout = ''] = (process.env.DECODER_LENS_BENCH_FLOOR ?? '').split(':');
  const layouts: ('single' | 'merged')[] = layout === 'single' || layout === 'merged' ? [layout] : ['single', 'merged'];
  return { wholeProcess: part !== 'inprocess', layouts };
}

export async function runFloorBench(log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const traceOneToken: Record<string, { ms: number; rss: number }> = {};
  const scope = floorScope();
  for (const layout of scope.layouts) {
    const { dir, model, text } = await openBenchModel(T, log, { layout });
    const ids = traceIds(model, text);
    const file = fileOf(dir, layout);
    const label = layout === 'single' ? 'single file' : 'merged If';
    rows.push(...(await inProcess(model, file, text, ids, label, log)));
    if (scope.wholeProcess) rows.push(...(await wholeProcess(dir, file, text, ids, label, log, traceOneToken)));
  }
  if (scope.wholeProcess) rows.push(await splitFolder(log, traceOneToken.single));
  return rows;
}

async function inProcess(model: OpenedModel, file: string, text: string, ids: number[], label: string, log: (line: string) => void) {
  const rows: BenchRow[] = [];
  const sessions = new SessionCache();
  const plain = await ort.InferenceSession.create(file, SESSION_OPTIONS);
  try {
    const ours = (n: number) => decode(model, sessions, { text, maxNewTokens: n, lens: EXTENSION_LENS });
    const noLens = (n: number) => decode(model, sessions, { text, maxNewTokens: n });
    log(`${label}: warming up (session creation out of the timing)…`);
    const trace = await ours(NEW_TOKENS);
    await noLens(1);
    // The session `decode` used, run by the plain loop: ONNX Runtime's own cost of the extra outputs (the lens
    // reads the hidden-state taps after the decode; its graph is not in this session).
    const tapped = (await sessions.open(file, { taps: true, executionProviders: ['cpu'], lensRows: true })).session;
    const floorTokens = await plainGreedy(plain, ids, NEW_TOKENS);
    const tappedTokens = await plainGreedy(tapped, ids, NEW_TOKENS);
    const same = floorTokens.join() === trace.generated.map((g) => g.id).join() && tappedTokens.join() === floorTokens.join();
    if (!same) log(`${label}: WARNING the plain loop and decode chose different tokens`);
    const captured = `${trace.attention.length} layers × ${trace.attention[0]?.heads ?? 0} heads attention, ${trace.masks.length} masks, ${trace.hidden.length} hidden norms, lens ${trace.lens ? 'on' : 'off'}${trace.dropped.length ? `; dropped: ${trace.dropped.join('; ')}` : ''}`;
    for (const n of [1, NEW_TOKENS]) {
      const what = n === 1 ? `prefill T = ${ids.length}, 1 new token` : `T = ${ids.length} + ${n} new tokens`;
      log(`${label}: in-process ${what}: plain loop / ORT on the tapped session / decode / decode without the lens…`);
      // 0 the floor, 1 the floor's loop on decode's session (ORT's own cost of the extra outputs and lens nodes),
      // 2 decode as the extension runs it, 3 decode without the lens (taps only).
      const sides = [
        withCpu(() => plainGreedy(plain, ids, n)),
        withCpu(() => plainGreedy(tapped, ids, n)),
        withCpu(() => ours(n)),
        withCpu(() => noLens(n)),
      ];
      const rounds = await interleaved(
        pairCount(n === 1 ? 7 : 3),
        sides.map((s) => s.side),
      );
      const full = summarise(rounds, 2);
      const ortOnly = summarise(rounds, 1);
      const tapsOnly = summarise(rounds, 3);
      const jsOnly = summarise(rounds, 2, 1);
      const cpu = (a: number, b: number) => medianRatio(sides[a].cpu, sides[b].cpu).toFixed(2);
      const ms = (x: PairSummary) => `${x.measured.toFixed(0)} vs ${x.baseline.toFixed(0)} ms`;
      rows.push(
        {
          name: `${label}: ${what}, default capture, in-process`,
          baseline: 'plain onnxruntime-node greedy KV loop, same file, tokens, options',
          ratio: full.ratio,
          spread: full.spread,
          goal: '≤ 1.10',
          detail: `${ms(full)}; ${spreadText(full)}; CPU-time ratio ${cpu(2, 0)}; tokens ${same ? 'identical' : 'DIFFER'}; ${captured}`,
        },
        {
          name: `${label}: ${what}, ORT alone on the tapped session`,
          baseline: 'the same plain loop on the untapped session',
          ratio: ortOnly.ratio,
          spread: ortOnly.spread,
          detail: `${ms(ortOnly)}; CPU-time ratio ${cpu(1, 0)}; decode's own session run by the plain loop (no capture code); decode costs ${jsOnly.ratio.toFixed(3)} × this (${jsOnly.spread[0].toFixed(2)}–${jsOnly.spread[1].toFixed(2)}; CPU ${cpu(2, 1)})`,
        },
        {
          name: `${label}: ${what}, taps without the lens, in-process`,
          baseline: 'plain onnxruntime-node greedy KV loop',
          ratio: tapsOnly.ratio,
          spread: tapsOnly.spread,
          detail: `${ms(tapsOnly)}; CPU-time ratio ${cpu(3, 0)}; the default capture costs ${summarise(rounds, 2, 3).ratio.toFixed(3)} × this, CPU ${cpu(2, 3)} (the lens's share: its pass over every step's rows after the decode)`,
        },
      );
    }
  } finally {
    await plain.release();
    await sessions.clear();
  }
  return rows;
}

async function wholeProcess(
  dir: string,
  file: string,
  text: string,
  ids: number[],
  label: string,
  log: (line: string) => void,
  oneToken: Record<string, { ms: number; rss: number }>,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const n of [1, NEW_TOKENS]) {
    log(`${label}: whole process, ${n} new token(s): plain node process vs decoder-lens trace…`);
    const job = { file, ids, newTokens: n, options: SESSION_OPTIONS };
    const out = scratchFile(`floor-${n}.dltrace`);
    const rss: number[][] = [[], []];
    const cpu: number[][] = [[], []];
    let plainTokens: number[] = [];
    const plainSide = async () => {
      const r = await runPlainProcess(job);
      rss[0].push(r.peakRss);
      cpu[0].push(r.cpu);
      plainTokens = r.tokens;
      return r.ms;
    };
    const traceSide = async () => {
      const r = await runTraceProcess(dir, text, ['--max-new-tokens', String(n), ...TRACE_FLAGS, '--out', out]);
      rss[1].push(r.peakRss);
      cpu[1].push(r.cpu);
      return r.ms;
    };
    await plainSide(); // page cache warm for both
    await traceSide();
    for (const xs of [...rss, ...cpu]) xs.length = 0;
    const s = summarise(await interleaved(pairCount(3), [plainSide, traceSide]), 1);
    if (label === 'single file' && n === 1) oneToken.single = { ms: s.measured, rss: median(rss[1]) };
    const saved = decodeTrace(readFileSync(out));
    const same = saved.generated.map((g) => g.id).join() === plainTokens.join();
    rows.push({
      name: `${label}: \`trace --max-new-tokens ${n}\` process (T = ${ids.length})`,
      baseline: 'a node process: load the file, run the same tokens with the plain KV loop',
      ratio: s.ratio,
      spread: s.spread,
      goal: n === 1 ? '≤ 1.12' : '≤ 1.15',
      detail: `${fmtS(s.measured)} vs ${fmtS(s.baseline)}; ${spreadText(s)}; CPU-time ratio ${medianRatio(cpu[1], cpu[0]).toFixed(2)}; peak RSS ${gb(median(rss[1]))} vs ${gb(median(rss[0]))}; ${(statSync(out).size / 1e6).toFixed(0)} MB .dltrace written; tokens ${same ? 'identical' : 'DIFFER'}`,
    });
  }
  return rows;
}

/** `trace --max-new-tokens 1` on the split layout: only the no-past decoder is needed for one token. */
async function splitFolder(log: (line: string) => void, single: { ms: number; rss: number } | undefined): Promise<BenchRow> {
  const { dir, model, text } = await openBenchModel(T, log, { layout: 'split' });
  const ids = traceIds(model, text);
  const job = { file: fileOf(dir, 'split'), ids, newTokens: 1, options: SESSION_OPTIONS };
  log('split folder: `trace --max-new-tokens 1` vs a plain process on decoder_model.onnx…');
  const rss: number[][] = [[], []];
  const cpu: number[][] = [[], []];
  const plainSide = async () => {
    const r = await runPlainProcess(job);
    rss[0].push(r.peakRss);
    cpu[0].push(r.cpu);
    return r.ms;
  };
  const traceSide = async () => {
    const r = await runTraceProcess(dir, text, ['--max-new-tokens', '1', ...TRACE_FLAGS, '--out', scratchFile('split.dltrace')]);
    rss[1].push(r.peakRss);
    cpu[1].push(r.cpu);
    return r.ms;
  };
  await plainSide();
  await traceSide();
  for (const xs of [...rss, ...cpu]) xs.length = 0;
  const s = summarise(await interleaved(pairCount(2), [plainSide, traceSide]), 1);
  const onFile = single ? `; the same trace on the single-file model: ${fmtS(single.ms)}, ${gb(single.rss)}` : '';
  return {
    name: `split folder (decoder + with-past): \`trace --max-new-tokens 1\` process (T = ${ids.length})`,
    baseline: 'a node process running decoder_model.onnx on the same tokens',
    ratio: s.ratio,
    spread: s.spread,
    goal: '≤ 1.12',
    detail: `${fmtS(s.measured)} vs ${fmtS(s.baseline)}; ${spreadText(s)}; CPU-time ratio ${medianRatio(cpu[1], cpu[0]).toFixed(2)}; peak RSS ${gb(median(rss[1]))} vs ${gb(median(rss[0]))} (×${(median(rss[1]) / median(rss[0])).toFixed(2)})${onFile}`,
  };
}
