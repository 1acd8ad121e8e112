/**
 * Decoder-only generation: the prompt in, one token at a time out. Uses the KV cache when the model has one
 * (with-past file, merged If, or past inputs on one file) and full recompute otherwise; records every tap.
 */
import type * as ort from 'onnxruntime-node';
import { checkpoint, DecoderLensError } from '../errors';
import type { Trace, TraceToken } from '../trace/types';
import { planCapture } from './budget';
import { LensRecorder } from '../lens/recorder';
import { withTokenTexts } from '../lens/outputs';
import { AttentionRecorder } from './capture';
import { checkFeedable, emptyPast } from './feeds';
import { stopIds, type OpenedModel } from './model';
import { checkMaskOverride, type DecodeContext, type DecodeOptions } from './options';
import { rowSummary, SUMMARY_OUTPUTS } from '../lens/summary';
import { distributionSummary, seededRandom } from './sampling';
import { pastInputs, type DecodeSession, type SessionSource } from './session';
import { carryPast, chooseNext, generatedToken, lastLogits, recordTaps, runSession, TOP_K_SHOWN } from './steps';
import { boolTensor, int64Tensor, range } from './tensors';
import { inputTokens, traceModel, traceSettings } from './traceParts';

interface Plan {
  first: DecodeSession;
  /** The session for steps after the first, when the KV cache is used. */
  next: DecodeSession | null;
}

async function planSessions(model: OpenedModel, sessions: SessionSource, options: DecodeOptions): Promise<Plan> {
  const byRole = new Map(model.layout.files.map((f) => [f.role, f.path]));
  const open = (file: string) =>
    sessions.open(file, { taps: options.taps, executionProviders: options.executionProviders, lens: options.lens });
  const decoder = byRole.get('decoder') ?? byRole.get('model');
  if (options.useCache) {
    const withPast = byRole.get('decoder-with-past');
    if (decoder && withPast) return { first: await open(decoder), next: await open(withPast) };
    const merged = byRole.get('decoder-merged');
    if (merged) {
      const session = await open(merged);
      return { first: session, next: session };
    }
  }
  const file = decoder ?? byRole.get('decoder-merged') ?? byRole.get('decoder-with-past');
  if (!file) throw new DecoderLensError('not-found', `No decoder file in ${model.layout.dir}.`, model.layout.dir);
  const session = await open(file);
  // One file with past inputs serves both steps; without cache it is fed an empty past every step.
  return { first: session, next: options.useCache && pastInputs(session).length ? session : null };
}

export async function decodeDecoderOnly(
  model: OpenedModel,
  sessions: SessionSource,
  options: DecodeOptions,
  context: DecodeContext = {},
): Promise<Trace> {
  const { tokenizer, config } = model;
  let tokens: TraceToken[] = inputTokens(tokenizer.encode(options.text, { addSpecialTokens: true }));
  if (tokens.length === 0) {
    if (tokenizer.bosId === null)
      throw new DecoderLensError('bad-input', 'Nothing to decode: the text is empty and the tokenizer has no beginning-of-sequence token.');
    tokens = [{ id: tokenizer.bosId, text: tokenizer.tokenText(tokenizer.bosId), start: null, end: null, special: true }];
  }
  const n = tokens.length;
  if (config.maxPositions && n + options.maxNewTokens > config.maxPositions) {
    throw new DecoderLensError(
      'bad-input',
      `The input is ${n} tokens and ${options.maxNewTokens} more are asked for, but ${model.path} handles at most ${config.maxPositions} positions (max_position_embeddings). Select less text or lower maxNewTokens.`,
    );
  }
  const inputMask = checkMaskOverride(options.attentionMask, n);
  const plan = await planSessions(model, sessions, options);
  for (const s of new Set([plan.first, plan.next])) if (s) checkFeedable(s);
  if (options.attentionMask && !plan.first.session.inputNames.includes('attention_mask')) {
    throw new DecoderLensError(
      'unsupported',
      `${plan.first.file} has no attention_mask input, so a mask override cannot be applied.`,
      plan.first.file,
    );
  }

  const maxPositions = n + options.maxNewTokens - 1;
  const heads = config.heads ?? 1;
  const layers = [...new Set(plan.first.taps.filter((t) => t.tap === 'attention').map((t) => t.layer))];
  const capture = planCapture({ layers, kinds: [{ heads, queries: maxPositions, keys: maxPositions }] }, options.captureMaxBytes);
  const recorder = options.taps ? new AttentionRecorder(capture.averageHeads, options.hiddenVectors) : undefined;
  const lens = options.lens ? new LensRecorder() : undefined;
  const random = seededRandom(options.sampling.seed);
  const stops = stopIds(model);
  const fallback = { heads, headDim: Math.max(1, Math.round((config.hiddenSize ?? heads) / heads)) };

  const ids = tokens.map((t) => t.id);
  const generated: Trace['generated'] = [];
  let inputProbs: Float32Array = new Float32Array(n).fill(NaN);
  let inputTop: Trace['inputTop'] = tokens.map(() => []);
  let past: Record<string, ort.Tensor> = {};
  let stopReason: Trace['stopReason'] = 'max-new-tokens';
  const axes = () => ({ queries: maxPositions, keys: maxPositions });

  for (let step = 0; step < options.maxNewTokens; step++) {
    await checkpoint(context.signal);
    const cached = step > 0 && plan.next !== null;
    const session = cached ? plan.next! : plan.first;
    const queryStart = cached ? ids.length - 1 : 0;
    const fed = ids.slice(queryStart);
    const mask = [...inputMask, ...new Array<number>(ids.length - n).fill(1)];
    const feeds: Record<string, ort.Tensor> = { input_ids: int64Tensor(fed, [1, fed.length]) };
    const names = session.session.inputNames;
    if (names.includes('attention_mask')) feeds.attention_mask = int64Tensor(mask, [1, mask.length]);
    if (names.includes('position_ids')) feeds.position_ids = int64Tensor(range(queryStart, ids.length), [1, fed.length]);
    if (names.includes('use_cache_branch')) feeds.use_cache_branch = boolTensor(cached);
    for (const name of pastInputs(session)) feeds[name] = cached ? past[name] : emptyPast(session, name, fallback);

    const outputs = await runSession(session, feeds);
    lens?.step(session, feeds, outputs);
    const logits = lastLogits(outputs, session.file);
    if (step === 0)
      ({ inputProbs, inputTop } = expectations(
        logits.all,
        logits.vocab,
        ids,
        (id) => tokenizer.tokenText(id),
        session.summary ? outputs : undefined,
      ));
    recordTaps(recorder, session, outputs, queryStart, fed.length, axes, (k) => k, capture.keepLayer);
    if (cached || plan.next) past = carryPast(outputs);

    const next = chooseNext(logits, options.sampling, random, tokenizer, session.summary ? outputs : undefined);
    generated.push(next);
    context.onStep?.(step + 1, options.maxNewTokens);
    if (stops.has(next.id)) {
      stopReason = 'eos';
      break;
    }
    if (step + 1 < options.maxNewTokens) ids.push(next.id);
  }

  const positions = [...tokens, ...generated.slice(0, -1).map((g) => generatedToken(g, stops.has(g.id)))];
  const captured = recorder?.finish(() => ({ queries: positions.length, keys: positions.length })) ?? {
    attention: [],
    masks: [],
    hidden: [],
  };
  return {
    format: 'decoder-lens-trace',
    version: 1,
    createdAt: new Date().toISOString(),
    model: traceModel(model, plan.next !== null, [plan.first, plan.next], tokenizer.vocabSize),
    settings: traceSettings(options),
    input: { text: options.text, tokens, attentionMask: inputMask },
    positions,
    inputProbs,
    inputTop,
    generated,
    generatedText: tokenizer.decode(
      generated.map((g) => g.id),
      { skipSpecialTokens: true },
    ),
    stopReason,
    ...captured,
    dropped: capture.dropped,
    unavailable: plan.first.unavailable,
    ...(lens ? { lens: withTokenTexts(lens.finish(generated[generated.length - 1]?.id), (id) => tokenizer.tokenText(id)) } : {}),
  };
}

/** p(token i | tokens before it) and the top predictions there, from a full pass's logits; the first token has none. */
function expectations(
  all: Float32Array,
  vocab: number,
  ids: number[],
  text: (id: number) => string,
  graph?: Record<string, ort.Tensor>,
): { inputProbs: Float32Array; inputTop: Trace['inputTop'] } {
  const rows = all.length / vocab;
  const inputProbs = new Float32Array(ids.length).fill(NaN);
  const inputTop: Trace['inputTop'] = ids.map(() => []);
  // The graph's own LogSoftmax + TopK when the session has them (lens/summary.ts); else a pass per row here.
  const topLogProbs = graph?.[SUMMARY_OUTPUTS.topLogProbs]?.data as Float32Array | undefined;
  const topIds = graph?.[SUMMARY_OUTPUTS.topIds]?.data as BigInt64Array | undefined;
  for (let i = 1; i < ids.length && i <= rows; i++) {
    const { prob, top } =
      topLogProbs && topIds
        ? rowSummary(all, vocab, i - 1, topLogProbs, topIds, TOP_K_SHOWN, ids[i])
        : distributionSummary(all.subarray((i - 1) * vocab, i * vocab), ids[i], TOP_K_SHOWN);
    inputProbs[i] = prob;
    inputTop[i] = top.map((t) => ({ ...t, text: text(t.id) }));
  }
  return { inputProbs, inputTop };
}
