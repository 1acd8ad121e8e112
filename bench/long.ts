/**
 * Long context (`npm run bench long`): a generated 24-layer, 16-head, 1,024-wide decoder (random weights, cached in
 * the OS temp folder) decodes a 4,000-token prompt + 96 new tokens with the extension's default capture, as
 * `decoder-lens trace --out FILE.dltrace --json FILE.json` in its own process, beside a plain onnxruntime-node
 * process on the same tokens. Reports whether the capture stayed within the cap, whether per-head attention was
 * kept, the peak memory against the cap + 2 × the weights, both trace sizes and the times. Heavy: skipped, saying
 * why, when the disk or memory is short; a child passing its memory bound is stopped and reported as over.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel } from '../src/core/decode';
import { DEFAULT_CAPTURE_BYTES } from '../src/core/decode/options';
import { SESSION_OPTIONS } from '../src/core/decode/sessionCache';
import { decodeTrace } from '../src/core/trace/file';
import type { AttentionCapture } from '../src/core/trace/types';
import { writeHtmlReport } from '../src/panelData/node/reportHtml';
import { memoryFree, shortOf, typedBytes } from './floor/resources';
import { repoRoot, runPlainProcess, runTraceProcess, scratchFile, type ProcessRun } from './floor/processes';
import type { GptSpec } from './graph/gptGraph';
import { benchFolder, benchPrompt, benchTokenizerDir, ensureGpt2Folder } from './models/gpt2';
import { gb, type BenchRow } from './table';

export const LONG_SPEC: GptSpec = { layers: 24, hidden: 1024, heads: 16, vocab: 50265, ffn: 4096, past: true, valueInfo: true };
const PROMPT = 4000;
const NEW_TOKENS = 96;
const MB = 1e6;

export async function runLongBench(log: (line: string) => void): Promise<BenchRow[]> {
  const started = Date.now();
  const options = { spec: LONG_SPEC, positions: PROMPT + NEW_TOKENS };
  const dir = benchFolder(options);
  const file = join(dir, 'onnx', 'model.onnx');
  const weights = 1.62e9;
  const bound = DEFAULT_CAPTURE_BYTES + 2 * weights;
  const short = shortOf({ disk: existsSync(`${file}.done`) ? 0 : weights + 3e9, memory: bound + 3e9 }, tmpdir());
  const skipped = (why: string): BenchRow[] => [
    { name: `long context T = ${PROMPT} + ${NEW_TOKENS}`, baseline: 'cap + 2 × weights', ratio: NaN, detail: `skipped: ${why}` },
  ];
  if (short) {
    log(`long: SKIPPED — ${short}`);
    return skipped(short);
  }
  ensureGpt2Folder(benchTokenizerDir(), log, options);
  const size = statSync(file).size;
  const model = await openModel(dir);
  // The prompt the trace tokenizes to exactly PROMPT ids (special tokens included).
  const extra =
    model.tokenizer.encode('a', { addSpecialTokens: true }).length - model.tokenizer.encode('a', { addSpecialTokens: false }).length;
  const { text } = benchPrompt(model, PROMPT - extra);
  const ids = model.tokenizer.encode(text, { addSpecialTokens: true }).map((t) => t.id);
  // A child past twice the goal's bound (or the machine's free memory less 3 GB) is stopped.
  const killAbove = Math.min(memoryFree() - 3e9, 2 * bound);
  const out = scratchFile('long.dltrace');
  const json = scratchFile('long.json');
  log(`long: T = ${ids.length} + ${NEW_TOKENS}, ${(size / 1e9).toFixed(2)} GB model; decoder-lens trace (stopped above ${gb(killAbove)})…`);
  const traced = await runTraceProcess(dir, text, ['--max-new-tokens', String(NEW_TOKENS), '--lens-k', '5', '--out', out, '--json', json], {
    killAbove,
  });
  log(
    `long: trace ${traced.killedAt ? `STOPPED at ${gb(traced.killedAt)}` : `done`} in ${(traced.ms / 1000).toFixed(0)} s; plain ORT process…`,
  );
  let plain: (ProcessRun & { tokens: number[] }) | undefined;
  try {
    plain = await runPlainProcess({ file, ids, newTokens: NEW_TOKENS, options: SESSION_OPTIONS }, { killAbove });
  } catch (error) {
    log(`long: the plain process failed: ${(error as Error).message}`);
  }
  const rows: BenchRow[] = [];
  const plainText = !plain
    ? 'plain ORT process failed'
    : plain.killedAt
      ? `the plain ORT process too passed ${gb(plain.killedAt)} and was stopped after ${(plain.ms / 1000).toFixed(0)} s`
      : `plain ORT process ${(plain.ms / 1000).toFixed(1)} s, peak ${gb(plain.peakRss)}`;
  if (traced.killedAt) {
    rows.push({
      name: `long context T = ${ids.length} + ${NEW_TOKENS}: peak RSS of trace`,
      baseline: `capture cap + 2 × weights (${gb(bound)})`,
      ratio: traced.killedAt / bound,
      goal: '≤ 1.0',
      detail: `STOPPED after ${(traced.ms / 1000).toFixed(0)} s at ${gb(traced.killedAt)} (the ratio is a lower bound; nothing written); ${plainText}`,
    });
    return rows;
  }
  const trace = decodeTrace(readFileSync(out), out);
  const attention = trace.attention[0];
  // What the cap bounds (attention and masks), and what the trace keeps besides (hidden-state norms, the lens).
  const captured = typedBytes({ attention: trace.attention, masks: trace.masks });
  const besides = typedBytes({ hidden: trace.hidden, lens: trace.lens });
  const heads = attention ? `${attention.heads} of ${LONG_SPEC.heads} heads kept as ${storedAs(attention)}` : 'no attention captured';
  const within = captured <= DEFAULT_CAPTURE_BYTES;
  const html = scratchFile('long.html');
  const reportStarted = Date.now();
  writeHtmlReport(trace, join(repoRoot, 'dist'), html);
  const reportMb = statSync(html).size / MB;
  const report = `HTML report ${reportMb.toFixed(1)} MB (${reportMb <= 50 ? 'within' : 'OVER'} 50 MB, written in ${((Date.now() - reportStarted) / 1000).toFixed(1)} s)`;
  rows.push(
    {
      name: `long context T = ${ids.length} + ${NEW_TOKENS}: peak RSS of trace`,
      baseline: `capture cap + 2 × weights (${gb(bound)})`,
      ratio: traced.peakRss / bound,
      goal: '≤ 1.0',
      detail: `${gb(traced.peakRss)}; ${plainText}; captured ${(captured / MB).toFixed(0)} MB (cap ${(DEFAULT_CAPTURE_BYTES / MB).toFixed(0)} MB: ${within ? 'within' : 'OVER'}; hidden norms and lens besides: ${(besides / MB).toFixed(1)} MB); ${heads} in ${trace.attention.length} layers; ${report}; dropped: ${trace.dropped.join('; ') || 'nothing'}`,
    },
    {
      name: `long context T = ${ids.length} + ${NEW_TOKENS}: \`trace\` process time`,
      baseline: 'a plain ORT process on the same tokens',
      ratio: plain && !plain.killedAt ? traced.ms / plain.ms : NaN,
      detail: `${(traced.ms / 1000).toFixed(1)} s vs ${plain ? (plain.ms / 1000).toFixed(1) : '?'} s (one run each); .dltrace ${(statSync(out).size / MB).toFixed(0)} MB, --json ${(statSync(json).size / MB).toFixed(0)} MB; tokens ${plain && plain.tokens.join() === trace.generated.map((g) => g.id).join() ? 'identical' : 'differ'}; section ${((Date.now() - started) / 1000).toFixed(0)} s`,
    },
  );
  return rows;
}

/** How a capture stores its probabilities, in words. */
function storedAs(a: AttentionCapture): string {
  if (a.topK) return `each row's top ${a.topK.k} (float16) + the rest mass`;
  if (a.quantized) return `${a.quantized.bits}-bit codes`;
  return a.headAveraged ? 'a float32 head average' : 'float32';
}
