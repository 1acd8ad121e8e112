import * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../errors';
import type { DecodeSession } from './session';

/** Optimum's names for what a decoder step is fed; anything else is named in the error. */
const KNOWN_INPUT =
  /^(input_ids|attention_mask|position_ids|use_cache_branch|encoder_hidden_states|encoder_attention_mask|seqlens_k|total_sequence_length|past_key_values\..+|decoder_lens\/compact\/k)$/;

export function checkFeedable(session: DecodeSession): void {
  const unknown = session.session.inputNames.filter((n) => !KNOWN_INPUT.test(n));
  if (!session.session.inputNames.includes('input_ids')) unknown.unshift('(no input_ids)');
  if (unknown.length) {
    throw new DecoderLensError(
      'unsupported',
      `${session.file} has inputs Decoder Lens cannot feed: ${unknown.join(', ')}. It feeds the Optimum names input_ids, attention_mask, position_ids, past_key_values.N.key/value, use_cache_branch, encoder_hidden_states and encoder_attention_mask, and GroupQueryAttention's seqlens_k and total_sequence_length.`,
      session.file,
    );
  }
}

/** A zero-length past for the first step (the merged If and single-file cache models still need the inputs). */
export function emptyPast(session: DecodeSession, name: string, fallback: { heads: number; headDim: number }): ort.Tensor {
  const meta = session.session.inputMetadata.find((m) => m.name === name);
  const shape = meta && meta.isTensor ? meta.shape : [];
  const dim = (i: number, otherwise: number) =>
    typeof shape[i] === 'number' && (shape[i] as number) > 0 ? (shape[i] as number) : otherwise;
  if (typeof shape[2] === 'number' && shape[2] > 0) {
    throw new DecoderLensError(
      'unsupported',
      `${session.file} declares ${name} with a fixed length of ${shape[2]} positions (a preallocated KV buffer). Decoder Lens feeds a cache that grows by one position per step: export the model with a dynamic past length (ONNX Runtime GenAI's builder and Optimum do).`,
      session.file,
    );
  }
  const dims = [1, dim(1, fallback.heads), 0, dim(3, fallback.headDim)];
  const type = meta && meta.isTensor && meta.type === 'float16' ? 'float16' : 'float32';
  return new ort.Tensor(type, type === 'float16' ? new Uint16Array(0) : new Float32Array(0), dims);
}

/** present.N.key → past_key_values.N.key (and the .decoder/.encoder forms of seq2seq models). */
export function pastNameFor(presentName: string): string | null {
  return presentName.startsWith('present.') ? `past_key_values.${presentName.slice('present.'.length)}` : null;
}

/**
 * GroupQueryAttention's lengths, for graphs that take them as inputs (GenAI's builder computes them from
 * attention_mask inside the graph; other exports leave them to the caller): seqlens_k is each sequence's
 * length − 1 (int32 [batch]), total_sequence_length the key axis length (int32 scalar).
 */
export function lengthFeeds(session: DecodeSession, total: number): Record<string, ort.Tensor> {
  const names = session.session.inputNames;
  const feeds: Record<string, ort.Tensor> = {};
  if (names.includes('seqlens_k')) feeds.seqlens_k = new ort.Tensor('int32', Int32Array.of(total - 1), [1]);
  if (names.includes('total_sequence_length')) feeds.total_sequence_length = new ort.Tensor('int32', Int32Array.of(total), []);
  return feeds;
}
