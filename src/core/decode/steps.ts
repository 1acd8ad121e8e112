/** What every decoding step does, whatever the architecture: read the logits, choose, record the taps, keep the cache. */
import type * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../errors';
import type { TextTokenizer } from '../tokenizer';
import type { AttentionKind, GeneratedToken, TopToken, TraceToken } from '../trace/types';
import type { AttentionRecorder, CapturePlan, MaskKind } from './capture';
import { pastNameFor } from './feeds';
import { argmax, chooseToken, distributionSummary, type SamplingSettings } from './sampling';
import type { DecodeSession } from './session';
import { floatData } from './tensors';
import { rowSummary, SUMMARY_OUTPUTS } from '../lens/summary';

export const TOP_K_SHOWN = 5;

export async function runSession(
  session: DecodeSession,
  feeds: Record<string, ort.Tensor>,
  /** Only these outputs (a compact session's: never the full probabilities behind its top-k rows). */
  fetches?: string[],
): Promise<Record<string, ort.Tensor>> {
  try {
    return (await (fetches ? session.session.run(feeds, fetches) : session.session.run(feeds))) as Record<string, ort.Tensor>;
  } catch (error) {
    const message = (error as Error).message;
    // ONNX's data type 16 is bfloat16, which onnxruntime-node cannot pass to or from JavaScript.
    const hint = /data type:? 16\b/i.test(message)
      ? ' (bfloat16 inputs or outputs: onnxruntime-node cannot exchange bfloat16 tensors; use the float16 or float32 export of the model)'
      : '';
    throw new DecoderLensError('bad-model', `ONNX Runtime failed running ${session.file}${hint}: ${message}`, session.file);
  }
}

/** The logits row of the last query position, as float32. */
export function lastLogits(
  outputs: Record<string, ort.Tensor>,
  file: string,
): { row: Float32Array; all: Float32Array; rows: number; vocab: number } {
  const logits = outputs.logits;
  if (!logits) throw new DecoderLensError('unsupported', `${file} has no "logits" output.`, file);
  const all = floatData(logits, 'logits');
  const vocab = logits.dims[logits.dims.length - 1];
  const rows = all.length / vocab;
  return { row: all.subarray((rows - 1) * vocab, rows * vocab), all, rows, vocab };
}

/**
 * Chooses the next token from the last logits row, and what the trace keeps of that step: the chosen token's
 * probability and the top tokens (the raw softmax). When the session computes the logit summary in the graph
 * (lens/summary.ts) they are read from it — one lookup — instead of a pass over the vocabulary each step.
 */
export function chooseNext(
  logits: ReturnType<typeof lastLogits>,
  sampling: SamplingSettings,
  random: () => number,
  tokenizer: TextTokenizer,
  outputs?: Record<string, ort.Tensor>,
): GeneratedToken {
  const id = chooseToken(logits.row, sampling, random);
  return { id, text: tokenizer.tokenText(id), ...rowDistribution(logits, id, tokenizer, outputs) };
}

/** The most likely next tokens after the last position (a score, where nothing is chosen). */
export function topOfRow(
  logits: ReturnType<typeof lastLogits>,
  tokenizer: TextTokenizer,
  outputs?: Record<string, ort.Tensor>,
): TopToken[] {
  return rowDistribution(logits, argmax(logits.row), tokenizer, outputs).top;
}

/** The last row's probability of `id` and its top tokens: from the graph's summary when it has one, else a pass here. */
function rowDistribution(
  logits: ReturnType<typeof lastLogits>,
  id: number,
  tokenizer: TextTokenizer,
  outputs?: Record<string, ort.Tensor>,
): { prob: number; top: TopToken[] } {
  const topLogProbs = outputs?.[SUMMARY_OUTPUTS.topLogProbs];
  const topIds = outputs?.[SUMMARY_OUTPUTS.topIds];
  const k = topLogProbs?.dims[topLogProbs.dims.length - 1] ?? 0;
  const { prob, top } =
    topLogProbs && topIds && k >= TOP_K_SHOWN && topLogProbs.data.length === logits.rows * k
      ? rowSummary(logits.all, logits.vocab, logits.rows - 1, topLogProbs.data as Float32Array, topIds.data as BigInt64Array, k, id)
      : distributionSummary(logits.row, id, TOP_K_SHOWN);
  return { prob, top: top.slice(0, TOP_K_SHOWN).map((t) => ({ ...t, text: tokenizer.tokenText(t.id) })) };
}

/** The axis lengths the recorder should allocate for each kind. */
export type Axes = (kind: AttentionKind) => { queries: number; keys: number };

export function recordTaps(
  recorder: AttentionRecorder | undefined,
  session: DecodeSession,
  outputs: Record<string, ort.Tensor>,
  queryStart: number,
  stepRows: number,
  maxAxes: Axes,
  kindOf: (kind: 'self' | 'cross') => AttentionKind,
  keepLayer: (layer: number) => boolean,
  /** The k of a sparse capture (the session's compact outputs are read instead of the full taps). */
  topK?: number,
): void {
  if (!recorder) return;
  recorder.stepRows.set(kindOf('self'), stepRows);
  recorder.stepRows.set(kindOf('cross'), stepRows);
  const masks = new Map<string, { plan: CapturePlan; parts: { tensor: ort.Tensor; name: string; kind: MaskKind }[] }>();
  const hidden: { layer: number; tensor: ort.Tensor; name: string }[] = [];
  for (const tap of session.taps) {
    const compact = topK && session.compact?.taps.get(tap.output);
    if (compact && tap.tap === 'attention' && keepLayer(tap.layer)) {
      const values = outputs[compact.values];
      const { queries, keys } = maxAxes(kindOf(tap.kind));
      const heads = values.dims.length >= 3 ? values.dims[values.dims.length - 3] : 1;
      const part = (name: string | undefined) => (name ? outputs[name] : undefined);
      recorder.addTopK(
        { layer: tap.layer, kind: kindOf(tap.kind), heads, maxQueries: queries, maxKeys: keys },
        topK,
        {
          values,
          indices: outputs[compact.indices],
          rest: outputs[compact.rest],
          first: part(compact.first),
          last: part(compact.last),
          count: part(compact.count),
        },
        queryStart,
      );
      continue;
    }
    const tensor = outputs[tap.output];
    if (!tensor) continue;
    const kind = kindOf(tap.kind);
    if (tap.tap === 'hidden') {
      hidden.push({ layer: tap.layer, tensor, name: tap.output });
      continue;
    }
    if (!keepLayer(tap.layer)) continue;
    const { queries, keys } = maxAxes(kind);
    const heads = tensor.dims.length >= 3 ? tensor.dims[tensor.dims.length - 3] : 1;
    const plan = { layer: tap.layer, kind, heads, maxQueries: queries, maxKeys: keys };
    if (tap.tap === 'attention') recorder.addAttention(plan, tensor, tap.output, queryStart);
    else {
      const key = `${kind}.${tap.layer}`;
      if (!masks.has(key)) masks.set(key, { plan, parts: [] });
      masks.get(key)!.parts.push({ tensor, name: tap.output, kind: tap.maskKind ?? 'additive' });
    }
  }
  for (const { plan, parts } of masks.values()) recorder.addMasks(plan, parts, queryStart);
  if (hidden.length > 0) recorder.addHiddenStep(hidden, queryStart);
}

/**
 * The next step's past inputs from this step's present outputs (names mapped the Optimum way). An empty present (a zero
 * in its shape) keeps the past it would replace: Optimum's merged seq2seq decoder returns empty encoder presents
 * (shape [0, heads, 1, head size]) from its with-past branch, and the encoder key/values of the first step carry on.
 */
export function carryPast(outputs: Record<string, ort.Tensor>, keep: Record<string, ort.Tensor> = {}): Record<string, ort.Tensor> {
  const past: Record<string, ort.Tensor> = { ...keep };
  for (const [name, tensor] of Object.entries(outputs)) {
    const pastName = pastNameFor(name);
    if (!pastName || (tensor.dims.includes(0) && keep[pastName])) continue;
    past[pastName] = tensor;
  }
  return past;
}

export function generatedToken(token: GeneratedToken, special: boolean): TraceToken {
  return { id: token.id, text: token.text, start: null, end: null, special };
}
