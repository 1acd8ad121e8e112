/**
 * Decoder-only generation: the prompt in, one token at a time out. Uses the KV cache when the model has one
 * (with-past file, merged If, or past inputs on one file) and full recompute otherwise. The loop is generate.ts;
 * this file says what a decoder-only model is fed.
 */
import type * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../errors';
import type { Trace, TraceToken } from '../trace/types';
import { generate, lazySession, type Architecture } from './generate';
import { withGenAiNames } from './genaiNames';
import type { OpenedModel } from './model';
import { needsSparseCapture } from './budget';
import { checkMaskOverride, type DecodeContext, type DecodeOptions } from './options';
import { rowSummary, SUMMARY_OUTPUTS } from '../lens/summary';
import { distributionSummary } from './sampling';
import { pastInputs, type DecodeSession, type SessionSource } from './session';
import { TOP_K_SHOWN } from './steps';
import { int64Tensor, range } from './tensors';
import { inputTokens, noTokensMessage } from './traceParts';

type Plan = Pick<Architecture, 'first' | 'next'>;

async function planSessions(model: OpenedModel, sessions: SessionSource, options: DecodeOptions, positions: number): Promise<Plan> {
  const byRole = new Map(model.layout.files.map((f) => [f.role, f.path]));
  // Past the cap even as 8-bit codes: sessions whose graphs compact the attention (top-k rows) before returning it.
  const compact =
    options.taps &&
    needsSparseCapture(model.config.layers, model.config.heads, positions, options.captureMaxBytes, options.compactAttention);
  const open = async (file: string) =>
    withGenAiNames(
      await sessions.open(file, {
        taps: options.taps,
        executionProviders: options.executionProviders,
        lensRows: !!options.lens,
        ...(compact ? { compact } : {}),
      }),
      model.config.genai,
    );
  const decoder = byRole.get('decoder') ?? byRole.get('model');
  if (options.useCache) {
    const withPast = byRole.get('decoder-with-past');
    if (decoder && withPast) return { first: await open(decoder), next: lazySession(() => open(withPast)) };
    const merged = byRole.get('decoder-merged');
    if (merged) {
      const session = await open(merged);
      return { first: session, next: async () => session };
    }
  }
  const file = decoder ?? byRole.get('decoder-merged') ?? byRole.get('decoder-with-past');
  if (!file) throw new DecoderLensError('not-found', `No decoder file in ${model.layout.dir}.`, model.layout.dir);
  const session = await open(file);
  // One file with past inputs serves both steps; without cache it is fed an empty past every step.
  return { first: session, next: options.useCache && pastInputs(session).length ? async () => session : null };
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
      throw new DecoderLensError(
        'bad-input',
        `${noTokensMessage(model, options.text)}, and the tokenizer has no beginning-of-sequence token to start from.`,
      );
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
  const plan = await planSessions(model, sessions, options, n + Math.max(1, options.maxNewTokens) - 1);
  if (inputMask.includes(0) && plan.first.session.inputNames.includes('seqlens_k')) {
    throw new DecoderLensError(
      'unsupported',
      `${plan.first.file} takes sequence lengths (seqlens_k), not a mask: GroupQueryAttention cannot hide single tokens, so a mask override cannot be applied.`,
      plan.first.file,
    );
  }
  if (options.attentionMask && !plan.first.session.inputNames.includes('attention_mask')) {
    throw new DecoderLensError(
      'unsupported',
      `${plan.first.file} has no attention_mask input, so a mask override cannot be applied.`,
      plan.first.file,
    );
  }

  return generate(
    model,
    {
      ...plan,
      input: { text: options.text, tokens, attentionMask: inputMask },
      start: tokens,
      others: [],
      kinds: ['self'],
      kindOf: (kind) => kind,
      axes: (positions) => () => ({ queries: positions, keys: positions }),
      feeds: (session: DecodeSession, ids: number[], queryStart: number) => {
        const names = session.session.inputNames;
        const feeds: Record<string, ort.Tensor> = {};
        // A chunked prefill feeds part of the prompt: its mask is the prompt's so far.
        const mask = [...inputMask.slice(0, ids.length), ...new Array<number>(Math.max(0, ids.length - n)).fill(1)];
        if (names.includes('attention_mask')) feeds.attention_mask = int64Tensor(mask, [1, mask.length]);
        if (names.includes('position_ids')) feeds.position_ids = int64Tensor(range(queryStart, ids.length), [1, ids.length - queryStart]);
        return feeds;
      },
      scoreInput: (logits, ids, outputs) => expectations(logits.all, logits.vocab, ids, (id) => tokenizer.tokenText(id), outputs),
    },
    options,
    context,
  );
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
