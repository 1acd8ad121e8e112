/**
 * Encoder-decoder generation: the encoder runs once over the source, then the decoder generates with self
 * attention over its own positions and cross attention over the source, masked by encoder_attention_mask.
 */
import type * as ort from 'onnxruntime-node';
import { checkpoint, DecoderLensError, throwIfAborted } from '../errors';
import type { AttentionKind, Trace, TraceToken } from '../trace/types';
import { planCapture } from './budget';
import { LensRecorder } from '../lens/recorder';
import { withTokenTexts } from '../lens/outputs';
import { AttentionRecorder } from './capture';
import { checkFeedable, emptyPast } from './feeds';
import { stopIds, type OpenedModel } from './model';
import { checkMaskOverride, type DecodeContext, type DecodeOptions } from './options';
import { seededRandom } from './sampling';
import { pastInputs, type SessionSource } from './session';
import { carryPast, chooseNext, generatedToken, lastLogits, recordTaps, runSession } from './steps';
import { boolTensor, int64Tensor } from './tensors';
import { inputTokens, traceModel, traceSettings } from './traceParts';

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
  const open = (file: string, lens = options.lens) =>
    sessions.open(file, { taps: options.taps, executionProviders: options.executionProviders, lens });
  const encoder = await open(encoderFile, undefined);
  const decoder = await open(decoderFile);
  const withPastFile = byRole.get('decoder-with-past');
  const next = !options.useCache
    ? null
    : withPastFile && decoderFile === byRole.get('decoder')
      ? await open(withPastFile)
      : pastInputs(decoder).length
        ? decoder
        : null;
  for (const s of new Set([encoder, decoder, next])) if (s) checkFeedable(s);

  const source: TraceToken[] = inputTokens(tokenizer.encode(options.text, { addSpecialTokens: true }));
  if (source.length === 0) throw new DecoderLensError('bad-input', 'Nothing to decode: the source text is empty.');
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

  const heads = config.heads ?? 1;
  const m = options.maxNewTokens;
  const layers = [...new Set(decoder.taps.filter((t) => t.tap === 'attention').map((t) => t.layer))];
  const capture = planCapture(
    {
      layers,
      kinds: [
        { heads, queries: n, keys: n },
        { heads, queries: m, keys: m },
        { heads, queries: m, keys: n },
      ],
    },
    options.captureMaxBytes,
  );
  const recorder = options.taps ? new AttentionRecorder(capture.averageHeads, options.hiddenVectors) : undefined;
  const lens = options.lens ? new LensRecorder() : undefined;
  const maxAxes = (kind: AttentionKind) =>
    kind === 'encoder' ? { queries: n, keys: n } : kind === 'self' ? { queries: m, keys: m } : { queries: m, keys: n };

  throwIfAborted(context.signal);
  const sourceIds = int64Tensor(
    source.map((t) => t.id),
    [1, n],
  );
  const encoderMask = int64Tensor(sourceMask, [1, n]);
  const encoded = await runSession(encoder, {
    input_ids: sourceIds,
    ...(encoder.session.inputNames.includes('attention_mask') ? { attention_mask: encoderMask } : {}),
  });
  const hiddenName = encoder.session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : encoder.session.outputNames[0];
  const encoderHidden = encoded[hiddenName];
  recordTaps(recorder, encoder, encoded, 0, n, maxAxes, () => 'encoder', capture.keepLayer);

  const random = seededRandom(options.sampling.seed);
  const stops = stopIds(model);
  const fallback = { heads, headDim: Math.max(1, Math.round((config.hiddenSize ?? heads) / heads)) };
  const ids = [start];
  const generated: Trace['generated'] = [];
  let past: Record<string, ort.Tensor> = {};
  let stopReason: Trace['stopReason'] = 'max-new-tokens';
  for (let step = 0; step < m; step++) {
    await checkpoint(context.signal);
    const cached = step > 0 && next !== null;
    const session = cached ? next! : decoder;
    const queryStart = cached ? ids.length - 1 : 0;
    const fed = ids.slice(queryStart);
    const names = session.session.inputNames;
    const feeds: Record<string, ort.Tensor> = { input_ids: int64Tensor(fed, [1, fed.length]) };
    if (names.includes('encoder_hidden_states')) feeds.encoder_hidden_states = encoderHidden;
    if (names.includes('encoder_attention_mask')) feeds.encoder_attention_mask = encoderMask;
    if (names.includes('attention_mask')) feeds.attention_mask = int64Tensor(new Array<number>(ids.length).fill(1), [1, ids.length]);
    if (names.includes('use_cache_branch')) feeds.use_cache_branch = boolTensor(cached);
    for (const name of pastInputs(session)) feeds[name] = cached ? past[name] : emptyPast(session, name, fallback);

    const outputs = await runSession(session, feeds);
    lens?.step(session, feeds, outputs);
    const logits = lastLogits(outputs, session.file);
    recordTaps(recorder, session, outputs, queryStart, fed.length, maxAxes, (k) => k, capture.keepLayer);
    // The with-past decoder returns only the decoder presents: the encoder ones from step 0 carry on.
    if (next) past = carryPast(outputs, past);

    const token = chooseNext(logits, options.sampling, random, tokenizer, session.summary ? outputs : undefined);
    generated.push(token);
    context.onStep?.(step + 1, m);
    if (stops.has(token.id)) {
      stopReason = 'eos';
      break;
    }
    if (step + 1 < m) ids.push(token.id);
  }

  const startToken: TraceToken = { id: start, text: tokenizer.tokenText(start), start: null, end: null, special: true };
  const positions = [startToken, ...generated.slice(0, -1).map((g) => generatedToken(g, stops.has(g.id)))];
  const M = positions.length;
  const axes = (kind: AttentionKind) =>
    kind === 'encoder' ? { queries: n, keys: n } : kind === 'self' ? { queries: M, keys: M } : { queries: M, keys: n };
  const captured = recorder?.finish(axes) ?? { attention: [], masks: [], hidden: [] };
  return {
    format: 'decoder-lens-trace',
    version: 1,
    createdAt: new Date().toISOString(),
    model: traceModel(model, next !== null, [encoder, decoder, next], tokenizer.vocabSize),
    settings: traceSettings(options),
    input: { text: options.text, tokens: source, attentionMask: sourceMask },
    positions,
    inputProbs: new Float32Array(n).fill(NaN),
    inputTop: source.map(() => []),
    generated,
    generatedText: tokenizer.decode(
      generated.map((g) => g.id),
      { skipSpecialTokens: true },
    ),
    stopReason,
    ...captured,
    dropped: capture.dropped,
    unavailable: [...encoder.unavailable, ...decoder.unavailable],
    ...(lens ? { lens: withTokenTexts(lens.finish(generated[generated.length - 1]?.id), (id) => tokenizer.tokenText(id)) } : {}),
  };
}
