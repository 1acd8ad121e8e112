/**
 * The one generation loop, whatever the architecture: feed, run, record the taps and the lens, choose, carry the
 * cache, stop. What differs between a decoder-only and an encoder-decoder model (the input, the sessions, the
 * feeds besides ids and past, the encoder run, what the first full pass says about the input) comes in an
 * Architecture; the Trace is built here, once.
 */
import type * as ort from 'onnxruntime-node';
import { checkpoint } from '../errors';
import { LensRecorder } from '../lens/recorder';
import { withTokenTexts } from '../lens/outputs';
import type { AttentionKind, Trace, TraceToken } from '../trace/types';
import { planCapture, type CapturePlanning } from './budget';
import { AttentionRecorder } from './capture';
import { checkFeedable, emptyPast, lengthFeeds } from './feeds';
import { stopIds, type OpenedModel } from './model';
import type { DecodeContext, DecodeOptions } from './options';
import { seededRandom } from './sampling';
import { pastInputs, type DecodeSession } from './session';
import { carryPast, chooseNext, generatedToken, lastLogits, recordTaps, runSession, topOfRow, type Axes } from './steps';
import { boolTensor, int64Tensor } from './tensors';
import { traceModel, traceSettings } from './traceParts';

export interface Architecture {
  /** The input as the trace shows it (the prompt, or the source) and the attention mask fed for it. */
  input: Trace['input'];
  /** The decoder's positions before the first generated token: the prompt, or the decoder start token. */
  start: TraceToken[];
  /** The session of the first step (a full pass over `start`). */
  first: DecodeSession;
  /**
   * The session of the later steps when the KV cache is used, opened on the first step that needs it (a one-step
   * decode or a score never opens it); null: every step runs `first` over every position.
   */
  next: (() => Promise<DecodeSession>) | null;
  /** Sessions besides the decoder's (the encoder), for the trace's files and unavailable taps. */
  others: DecodeSession[];
  /** The attention kinds the decoder records taps as. */
  kinds: AttentionKind[];
  kindOf(kind: 'self' | 'cross'): AttentionKind;
  /** Each kind's matrix size when the decoder has `positions` positions. */
  axes(positions: number): Axes;
  /** Runs once before the first step, with the capture in place (the encoder). */
  prepare?(recorder: AttentionRecorder | undefined, capture: CapturePlanning): Promise<void>;
  /** The feeds besides input_ids, use_cache_branch and the past: masks, positions, encoder outputs. */
  feeds(session: DecodeSession, ids: number[], queryStart: number): Record<string, ort.Tensor>;
  /** What the first step's full pass tells about the input: p(input token i | tokens before it), and the top there. */
  scoreInput?(
    logits: ReturnType<typeof lastLogits>,
    ids: number[],
    outputs: Record<string, ort.Tensor> | undefined,
  ): Pick<Trace, 'inputProbs' | 'inputTop'>;
}

export async function generate(model: OpenedModel, arch: Architecture, options: DecodeOptions, context: DecodeContext): Promise<Trace> {
  const { tokenizer, config } = model;
  const m = options.maxNewTokens;
  // maxNewTokens 0 scores the input: the one prefill run, no token chosen.
  const runs = Math.max(1, m);
  const heads = config.heads ?? 1;
  const layers = [...new Set(arch.first.taps.filter((t) => t.tap === 'attention').map((t) => t.layer))];
  const maxAxes = arch.axes(arch.start.length + runs - 1);
  const kinds = arch.kinds.map((k) => ({ heads, ...maxAxes(k) }));
  // A sparse capture needs the compaction nodes, which the caller asked for when the shape called for them.
  const capture = planCapture({ layers, kinds }, options.captureMaxBytes, options.compactAttention, arch.first.compact !== undefined);
  const recorder = options.taps ? new AttentionRecorder(capture.averageHeads, options.hiddenVectors, capture.bits) : undefined;
  const lens = options.lens ? new LensRecorder(options.lens) : undefined;
  const random = seededRandom(options.sampling.seed);
  const stops = stopIds(model);
  const fallback = { heads, headDim: Math.max(1, Math.round((config.hiddenSize ?? heads) / heads)) };
  for (const s of new Set([...arch.others, arch.first])) checkFeedable(s);
  await arch.prepare?.(recorder, capture);

  const n = arch.input.tokens.length;
  const ids = arch.start.map((t) => t.id);
  const generated: Trace['generated'] = [];
  let scored: Pick<Trace, 'inputProbs' | 'inputTop'> = {
    inputProbs: new Float32Array(n).fill(NaN),
    inputTop: arch.input.tokens.map(() => []),
  };
  let nextTop: Trace['nextTop'];
  let next: DecodeSession | null = null;
  let past: Record<string, ort.Tensor> = {};
  let stopReason: Trace['stopReason'] = m === 0 ? 'scored' : 'max-new-tokens';

  const feedsFor = (session: DecodeSession, cached: boolean, upTo: number, queryStart: number) => {
    const sofar = ids.slice(0, upTo);
    const fed = sofar.slice(queryStart);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64Tensor(fed, [1, fed.length]),
      ...arch.feeds(session, sofar, queryStart),
      ...lengthFeeds(session, sofar.length),
    };
    if (session.session.inputNames.includes('use_cache_branch')) feeds.use_cache_branch = boolTensor(cached);
    for (const name of pastInputs(session)) feeds[name] = cached ? past[name] : emptyPast(session, name, fallback);
    if (session.compact) feeds[session.compact.kInput] = int64Tensor([Math.max(1, Math.min(capture.topK ?? 1, sofar.length))], [1]);
    return { feeds, fed: fed.length };
  };
  // A sparse (long) capture with a KV cache feeds the prompt in chunks through the cache: ONNX Runtime's
  // per-layer scores are then chunk × keys, not keys × keys (at T = 4,096 on 16 heads: 0.25 GB, not 1 GB each).
  const chunk = capture.topK && arch.next && ids.length > 1 ? prefillChunk(heads, maxAxes(arch.kinds[0]).keys) : ids.length;
  let prefilled = 0;
  for (let upTo = chunk; upTo < ids.length; upTo += chunk) {
    await checkpoint(context.signal);
    const cached = prefilled > 0;
    if (cached && !next) checkFeedable((next = await arch.next!()));
    const session = cached ? next! : arch.first;
    const { feeds, fed } = feedsFor(session, cached, upTo, prefilled);
    const outputs = await runSession(session, feeds, session.fetches);
    lens?.step(session, feeds, outputs);
    if (arch.scoreInput)
      mergeScores(
        scored,
        arch.scoreInput(lastLogits(outputs, session.file), ids.slice(prefilled, upTo + 1), session.summary ? outputs : undefined),
        prefilled,
      );
    recordTaps(recorder, session, outputs, prefilled, fed, maxAxes, arch.kindOf, capture.keepLayer, capture.topK);
    past = carryPast(outputs, past);
    prefilled = upTo;
  }

  for (let step = 0; step < runs; step++) {
    await checkpoint(context.signal);
    const cached = (step > 0 || prefilled > 0) && arch.next !== null;
    if (cached && !next) checkFeedable((next = await arch.next!()));
    const session = cached ? next! : arch.first;
    const queryStart = step === 0 ? prefilled : cached ? ids.length - 1 : 0;
    const { feeds, fed } = feedsFor(session, cached, ids.length, queryStart);
    const outputs = await runSession(session, feeds, capture.topK ? session.fetches : undefined);
    lens?.step(session, feeds, outputs);
    const logits = lastLogits(outputs, session.file);
    const summary = session.summary ? outputs : undefined;
    if (step === 0 && arch.scoreInput) {
      if (prefilled > 0) mergeScores(scored, arch.scoreInput(logits, ids.slice(prefilled), summary), prefilled);
      else scored = arch.scoreInput(logits, ids, summary);
    }
    recordTaps(recorder, session, outputs, queryStart, fed, maxAxes, arch.kindOf, capture.keepLayer, capture.topK);
    if (m === 0) {
      nextTop = topOfRow(logits, tokenizer, summary);
      break;
    }
    // Encoder-decoder with-past files return only the decoder presents: the encoder ones from step 0 carry on.
    if (arch.next && step + 1 < runs) past = carryPast(outputs, past);

    const token = chooseNext(logits, options.sampling, random, tokenizer, summary);
    generated.push(token);
    context.onStep?.(step + 1, m);
    if (stops.has(token.id)) {
      stopReason = 'eos';
      break;
    }
    if (step + 1 < m) ids.push(token.id);
  }

  const positions = [...arch.start, ...generated.slice(0, -1).map((g) => generatedToken(g, stops.has(g.id)))];
  const captured = recorder?.finish(arch.axes(positions.length)) ?? { attention: [], masks: [], hidden: [] };
  const ran = [...arch.others, arch.first, next];
  // The lens runs here, once over every step's rows (lens/recorder.ts), after the tokens are chosen.
  const lensCapture = lens ? await lens.finish(generated[generated.length - 1]?.id, context.signal) : undefined;
  return {
    format: 'decoder-lens-trace',
    version: 1,
    createdAt: new Date().toISOString(),
    model: traceModel(model, arch.next !== null, ran, tokenizer.vocabSize),
    settings: traceSettings(options),
    input: arch.input,
    positions,
    ...scored,
    ...(nextTop ? { nextTop } : {}),
    generated,
    generatedText: tokenizer.decode(
      generated.map((g) => g.id),
      { skipSpecialTokens: true },
    ),
    stopReason,
    ...captured,
    dropped: capture.dropped,
    unavailable: [...arch.others, arch.first].flatMap((s) => s.unavailable),
    ...(lensCapture ? { lens: withTokenTexts(lensCapture, (id) => tokenizer.tokenText(id)) } : {}),
  };
}

/** Bytes of one layer's scores per chunk of a chunked prefill (heads × chunk rows × keys × 4). */
const CHUNK_BYTES = 64 * 1024 * 1024;

/** Query rows per prefill chunk: one layer's float32 scores within CHUNK_BYTES, at least 64 rows. */
export function prefillChunk(heads: number, keys: number): number {
  return Math.max(64, Math.floor(CHUNK_BYTES / (Math.max(1, heads) * Math.max(1, keys) * 4)));
}

/** A chunk's scores (its positions counted from `offset`, the first of which it cannot score) into the whole input's. */
function mergeScores(into: Pick<Trace, 'inputProbs' | 'inputTop'>, part: Pick<Trace, 'inputProbs' | 'inputTop'>, offset: number): void {
  for (let i = 1; i < part.inputProbs.length && offset + i < into.inputProbs.length; i++) {
    into.inputProbs[offset + i] = part.inputProbs[i];
    into.inputTop[offset + i] = part.inputTop[i];
  }
}

/** Opens a session once, on the first call. */
export function lazySession(open: () => Promise<DecodeSession>): () => Promise<DecodeSession> {
  let session: Promise<DecodeSession> | undefined;
  return () => (session ??= open());
}
