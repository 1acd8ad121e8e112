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
  const capture = planCapture({ layers, kinds }, options.captureMaxBytes, options.compactAttention);
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

  for (let step = 0; step < runs; step++) {
    await checkpoint(context.signal);
    const cached = step > 0 && arch.next !== null;
    if (cached && !next) checkFeedable((next = await arch.next!()));
    const session = cached ? next! : arch.first;
    const queryStart = cached ? ids.length - 1 : 0;
    const fed = ids.slice(queryStart);
    const names = session.session.inputNames;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64Tensor(fed, [1, fed.length]),
      ...arch.feeds(session, ids, queryStart),
      ...lengthFeeds(session, ids.length),
    };
    if (names.includes('use_cache_branch')) feeds.use_cache_branch = boolTensor(cached);
    for (const name of pastInputs(session)) feeds[name] = cached ? past[name] : emptyPast(session, name, fallback);

    const outputs = await runSession(session, feeds);
    lens?.step(session, feeds, outputs);
    const logits = lastLogits(outputs, session.file);
    const summary = session.summary ? outputs : undefined;
    if (step === 0 && arch.scoreInput) scored = arch.scoreInput(logits, ids, summary);
    recordTaps(recorder, session, outputs, queryStart, fed.length, maxAxes, arch.kindOf, capture.keepLayer);
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

/** Opens a session once, on the first call. */
export function lazySession(open: () => Promise<DecodeSession>): () => Promise<DecodeSession> {
  let session: Promise<DecodeSession> | undefined;
  return () => (session ??= open());
}
