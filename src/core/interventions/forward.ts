// One full pass (no KV cache) of the decoder over given positions, `batch` copies at once, through the hooked
// sessions: what mean ablation reads head outputs from, and what head ranking batches its knock-outs in.
import * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../errors';
import type { OpenedModel } from '../decode/model';
import { withGenAiNames } from '../decode/genaiNames';
import { pastInputs } from '../decode/session';
import { runSession } from '../decode/steps';
import { boolTensor, floatData, int64Tensor, range } from '../decode/tensors';
import type { HookedSession, HookedSessions } from './sessions';

export interface ForwardInput {
  /** Decoder positions: the prompt (decoder-only), or the start token and generated tokens (encoder-decoder). */
  ids: number[];
  /** Encoder-decoder: the source token ids. */
  source?: number[];
  /** Copies in the batch (each can get its own hook row). */
  batch: number;
  taps: boolean;
  /** Decoder-only: each batch row's attention mask over `ids` (default all ones), e.g. one hidden token per row. */
  attentionMask?: number[][];
  /** Encoder-decoder: each batch row's source mask (encoder attention_mask and encoder_attention_mask); the encoder then runs per row. */
  sourceMask?: number[][];
}

export interface ForwardResult {
  /** The decoder session that ran (its hooks name the outputs). */
  session: HookedSession;
  outputs: Record<string, ort.Tensor>;
  /** Encoder-decoder: the encoder session and its outputs (run once, batch 1). */
  encoder?: { session: HookedSession; outputs: Record<string, ort.Tensor> };
}

/** The file a no-past pass runs: the plain decoder, else the merged or with-past file fed an empty past. */
export function fullPassFile(model: OpenedModel): string {
  const byRole = new Map(model.layout.files.map((f) => [f.role, f.path]));
  const file = byRole.get('decoder') ?? byRole.get('model') ?? byRole.get('decoder-merged') ?? byRole.get('decoder-with-past');
  if (!file) throw new DecoderLensError('not-found', `No decoder file in ${model.layout.dir}.`, model.layout.dir);
  return file;
}

export async function forward(model: OpenedModel, sessions: HookedSessions, input: ForwardInput): Promise<ForwardResult> {
  const B = input.batch;
  const n = input.ids.length;
  const open = (file: string) => sessions.open(file, { taps: input.taps });
  // GenAI folders name their inputs in genai_config.json: the same Optimum-name view the decode loop uses.
  const session = withGenAiNames(await open(fullPassFile(model)), model.config.genai) as HookedSession;
  const names = session.session.inputNames;
  const repeat = (values: number[]) => Array.from({ length: B }, () => values).flat();
  const feeds: Record<string, ort.Tensor> = { input_ids: int64Tensor(repeat(input.ids), [B, n]) };
  let encoder: ForwardResult['encoder'];
  if (model.layout.architecture === 'encoder-decoder') {
    const source = input.source ?? [];
    const file = model.layout.files.find((f) => f.role === 'encoder')?.path;
    if (!file || source.length === 0)
      throw new DecoderLensError('bad-input', 'An encoder-decoder pass needs the encoder file and the source tokens.');
    const encoderSession = await open(file);
    const S = source.length;
    const rowsMasks = input.sourceMask;
    if (rowsMasks && (rowsMasks.length !== B || rowsMasks.some((row) => row.length !== S)))
      throw new DecoderLensError('bad-input', `Expected ${B} source mask rows of ${S} positions each.`);
    // Without per-row source masks the encoder runs once and its output is copied to every row.
    const E = rowsMasks ? B : 1;
    const sourceMask = rowsMasks ? rowsMasks.flat() : new Array<number>(S).fill(1);
    const sourceIds = int64Tensor(Array.from({ length: E }, () => source).flat(), [E, S]);
    const encoderNames = encoderSession.session.inputNames;
    if (rowsMasks && !encoderNames.includes('attention_mask'))
      throw new DecoderLensError('unsupported', `${file} has no attention_mask input, so source tokens cannot be hidden.`, file);
    const encoded = await runSession(encoderSession, {
      input_ids: sourceIds,
      ...(encoderNames.includes('attention_mask') ? { attention_mask: int64Tensor(sourceMask, [E, S]) } : {}),
    });
    encoder = { session: encoderSession, outputs: encoded };
    const hiddenName = encoderSession.session.outputNames.includes('last_hidden_state')
      ? 'last_hidden_state'
      : encoderSession.session.outputNames[0];
    const hidden = encoded[hiddenName];
    const rows = floatData(hidden, hiddenName);
    let copies = rows;
    if (E !== B) {
      copies = new Float32Array(rows.length * B);
      for (let b = 0; b < B; b++) copies.set(rows, b * rows.length);
    }
    if (names.includes('encoder_hidden_states'))
      feeds.encoder_hidden_states = new ort.Tensor('float32', copies, [B, ...hidden.dims.slice(1)]);
    if (names.includes('encoder_attention_mask'))
      feeds.encoder_attention_mask = int64Tensor(rowsMasks ? sourceMask : repeat(sourceMask), [B, S]);
  }
  if (input.attentionMask && (input.attentionMask.length !== B || input.attentionMask.some((row) => row.length !== n)))
    throw new DecoderLensError('bad-input', `Expected ${B} attention mask rows of ${n} positions each.`);
  if (input.attentionMask?.some((row) => row.includes(0)) && names.includes('seqlens_k'))
    throw new DecoderLensError(
      'unsupported',
      `${session.file} takes sequence lengths (seqlens_k), not a mask: GroupQueryAttention cannot hide single tokens.`,
      session.file,
    );
  if (input.attentionMask && !names.includes('attention_mask'))
    throw new DecoderLensError('unsupported', `${session.file} has no attention_mask input, so tokens cannot be hidden.`, session.file);
  if (names.includes('attention_mask'))
    feeds.attention_mask = int64Tensor(input.attentionMask ? input.attentionMask.flat() : repeat(new Array<number>(n).fill(1)), [B, n]);
  if (names.includes('position_ids')) feeds.position_ids = int64Tensor(repeat(range(0, n)), [B, n]);
  if (names.includes('use_cache_branch')) feeds.use_cache_branch = boolTensor(false);
  // GroupQueryAttention's lengths when the graph takes them: each row's length − 1, and the key axis length.
  if (names.includes('seqlens_k')) feeds.seqlens_k = new ort.Tensor('int32', new Int32Array(B).fill(n - 1), [B]);
  if (names.includes('total_sequence_length')) feeds.total_sequence_length = new ort.Tensor('int32', Int32Array.of(n), []);
  const heads = model.config.heads ?? 1;
  const headDim = Math.max(1, Math.round((model.config.hiddenSize ?? heads) / heads));
  for (const name of pastInputs(session)) feeds[name] = emptyPast(session, name, B, heads, headDim);
  return { session, outputs: await runSession(session, feeds), ...(encoder ? { encoder } : {}) };
}

function emptyPast(session: HookedSession, name: string, batch: number, heads: number, headDim: number): ort.Tensor {
  const meta = session.session.inputMetadata.find((m) => m.name === name);
  const shape = meta && meta.isTensor ? meta.shape : [];
  const dim = (i: number, otherwise: number) =>
    typeof shape[i] === 'number' && (shape[i] as number) > 0 ? (shape[i] as number) : otherwise;
  const dims = [batch, dim(1, heads), 0, dim(3, headDim)];
  return meta && meta.isTensor && meta.type === 'float16'
    ? new ort.Tensor('float16', new Uint16Array(0), dims)
    : new ort.Tensor('float32', new Float32Array(0), dims);
}
