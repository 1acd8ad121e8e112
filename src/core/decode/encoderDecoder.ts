/**
 * Encoder-decoder generation: the encoder runs once over the source, then the decoder generates with self
 * attention over its own positions and cross attention over the source, masked by encoder_attention_mask. The
 * loop is generate.ts; this file says what the encoder and the decoder are fed.
 *
 * A score (maxNewTokens 0) with no target text runs the encoder and the decoder's first step over the start
 * token: the source's encoder attention, the first cross attention and the distribution of the first target token
 * (trace.nextTop). The source has no probabilities of its own (the encoder predicts nothing), so inputProbs stay NaN.
 */
import type * as ort from 'onnxruntime-node';
import { DecoderLensError, throwIfAborted } from '../errors';
import type { AttentionKind, Trace, TraceToken } from '../trace/types';
import { generate, lazySession } from './generate';
import type { OpenedModel } from './model';
import { checkMaskOverride, type DecodeContext, type DecodeOptions } from './options';
import { pastInputs, type SessionSource } from './session';
import { recordTaps, runSession } from './steps';
import { int64Tensor } from './tensors';
import { inputTokens, noTokensMessage } from './traceParts';

export async function decodeEncoderDecoder(
  model: OpenedModel,
  sessions: SessionSource,
  options: DecodeOptions,
  context: DecodeContext = {},
): Promise<Trace> {
  const { tokenizer, config } = model;
  const byRole = new Map(model.layout.files.map((f) => [f.role, f.path]));
  const encoderFile = byRole.get('encoder')!;
  const decoderFile = byRole.get('decoder') ?? byRole.get('decoder-merged');
  if (!decoderFile)
    throw new DecoderLensError(
      'not-found',
      `${model.layout.dir} has encoder_model.onnx but no decoder_model.onnx or decoder_model_merged.onnx.`,
      model.layout.dir,
    );
  // The lens belongs to the decoder files (the encoder has no logits).
  const open = (file: string, lensRows = !!options.lens) =>
    sessions.open(file, { taps: options.taps, executionProviders: options.executionProviders, lensRows });
  const encoder = await open(encoderFile, false);
  const decoder = await open(decoderFile);
  const withPastFile = byRole.get('decoder-with-past');
  const next = !options.useCache
    ? null
    : withPastFile && decoderFile === byRole.get('decoder')
      ? lazySession(() => open(withPastFile))
      : pastInputs(decoder).length
        ? async () => decoder
        : null;

  const source: TraceToken[] = inputTokens(tokenizer.encode(options.text, { addSpecialTokens: true }));
  if (source.length === 0)
    throw new DecoderLensError('bad-input', `${noTokensMessage(model, options.text)}: there is no source to encode.`);
  const n = source.length;
  if (config.maxPositions && Math.max(n, options.maxNewTokens) > config.maxPositions) {
    throw new DecoderLensError(
      'bad-input',
      `The source is ${n} tokens but ${model.path} handles at most ${config.maxPositions} positions. Select less text.`,
    );
  }
  const sourceMask = checkMaskOverride(options.attentionMask, n);
  const start = config.decoderStartId ?? config.padId ?? tokenizer.padId ?? tokenizer.bosId;
  if (start === null)
    throw new DecoderLensError(
      'unsupported',
      `Neither config.json nor generation_config.json in ${model.layout.dir} gives decoder_start_token_id.`,
      model.layout.dir,
    );
  const startToken: TraceToken = { id: start, text: tokenizer.tokenText(start), start: null, end: null, special: true };
  const encoderMask = int64Tensor(sourceMask, [1, n]);
  let encoderHidden: ort.Tensor | undefined;
  const axes = (m: number) => (kind: AttentionKind) =>
    kind === 'encoder' ? { queries: n, keys: n } : kind === 'self' ? { queries: m, keys: m } : { queries: m, keys: n };

  return generate(
    model,
    {
      input: { text: options.text, tokens: source, attentionMask: sourceMask },
      start: [startToken],
      first: decoder,
      next,
      others: [encoder],
      kinds: ['encoder', 'self', 'cross'],
      kindOf: (kind) => kind,
      axes,
      async prepare(recorder, capture) {
        throwIfAborted(context.signal);
        const sourceIds = int64Tensor(
          source.map((t) => t.id),
          [1, n],
        );
        const encoded = await runSession(encoder, {
          input_ids: sourceIds,
          ...(encoder.session.inputNames.includes('attention_mask') ? { attention_mask: encoderMask } : {}),
        });
        const names = encoder.session.outputNames;
        encoderHidden = encoded[names.includes('last_hidden_state') ? 'last_hidden_state' : names[0]];
        recordTaps(recorder, encoder, encoded, 0, n, axes(1), () => 'encoder', capture.keepLayer);
      },
      feeds(session, ids) {
        const names = session.session.inputNames;
        const feeds: Record<string, ort.Tensor> = {};
        if (names.includes('encoder_hidden_states')) feeds.encoder_hidden_states = encoderHidden!;
        if (names.includes('encoder_attention_mask')) feeds.encoder_attention_mask = encoderMask;
        if (names.includes('attention_mask')) feeds.attention_mask = int64Tensor(new Array<number>(ids.length).fill(1), [1, ids.length]);
        return feeds;
      },
    },
    options,
    context,
  );
}
