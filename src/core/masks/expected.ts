/**
 * What a correct model would let each query see, from the input mask and causality alone, and what the traced
 * model actually let it see (the mask read from the graph, or where no mask was captured, where it read).
 */
import { attentionHead } from '../trace/attention';
import type { AttentionCapture, AttentionKind, MaskCapture, Trace } from '../trace/types';
import { LEAK_THRESHOLD } from './types';

/** The input mask over keys of a kind: the prompt mask then 1 for generated tokens, or the encoder mask. */
export function keyMask(trace: Trace, kind: AttentionKind, keys: number): Uint8Array {
  const out = new Uint8Array(keys).fill(1);
  const mask = trace.input.attentionMask;
  const decoderOnly = trace.model.architecture === 'decoder-only';
  // Encoder-decoder decoder self attention has no padding mask: its keys are decoder positions.
  if (kind === 'self' && !decoderOnly) return out;
  for (let k = 0; k < Math.min(keys, mask.length); k++) out[k] = mask[k] ? 1 : 0;
  return out;
}

/** Decoder self attention is causal; the encoder and cross attention are not. */
export const isCausal = (kind: AttentionKind): boolean => kind === 'self';

/**
 * [query][key] 1 where a correct model lets the query see the key. `window`: the layer's sliding window (keys
 * a query sees, itself included), when it has one.
 */
export function expectedVisible(
  trace: Trace,
  kind: AttentionKind,
  queries: number,
  keys: number,
  window?: { size: number; sinks: number },
): Uint8Array {
  const m = keyMask(trace, kind, keys);
  const out = new Uint8Array(queries * keys);
  const band = isCausal(kind) && window !== undefined ? window.size : Infinity;
  const sinks = window?.sinks ?? 0;
  for (let q = 0; q < queries; q++)
    for (let k = 0; k < keys; k++) out[q * keys + k] = m[k] && (!isCausal(kind) || (k <= q && (q - k < band || k < sinks))) ? 1 : 0;
  return out;
}

/** [query][key] 1 where any head put more than LEAK_THRESHOLD on the key. */
export function readCells(attention: AttentionCapture): Uint8Array {
  const { heads, queries, keys } = attention;
  const size = queries * keys;
  const out = new Uint8Array(size);
  for (let h = 0; h < heads; h++) {
    const data = attentionHead(attention, h);
    for (let i = 0; i < size; i++) if (data[i] > LEAK_THRESHOLD) out[i] = 1;
  }
  return out;
}

/** [query][key] the largest weight over heads (the view tints visible cells with it). */
export function maxOverHeads(attention: AttentionCapture): Float32Array {
  const { heads, queries, keys } = attention;
  const size = queries * keys;
  const out = new Float32Array(size);
  for (let h = 0; h < heads; h++) {
    const data = attentionHead(attention, h);
    for (let i = 0; i < size; i++) out[i] = Math.max(out[i], data[i]);
  }
  return out;
}

/** Query rows filled by the first decoding step (the whole prompt, or the decoder start token). */
export function firstStepRows(trace: Trace, kind: AttentionKind): number {
  if (kind === 'encoder') return trace.input.tokens.length;
  return trace.model.architecture === 'decoder-only' ? trace.input.tokens.length : 1;
}

/** One layer and kind: its attention, its applied mask (if captured), on the same axes. */
export interface LayerView {
  layer: number;
  kind: AttentionKind;
  queries: number;
  keys: number;
  attention?: AttentionCapture;
  mask?: MaskCapture;
}

/** Every captured (layer, kind), attention and mask paired; sorted encoder, self, cross, then by layer. */
export function layerViews(trace: Trace): LayerView[] {
  const views = new Map<string, LayerView>();
  const at = (layer: number, kind: AttentionKind, queries: number, keys: number) => {
    const key = `${kind}.${layer}`;
    if (!views.has(key)) views.set(key, { layer, kind, queries, keys });
    return views.get(key)!;
  };
  for (const a of trace.attention) at(a.layer, a.kind, a.queries, a.keys).attention = a;
  for (const m of trace.masks) {
    const v = at(m.layer, m.kind, m.queries, m.keys);
    if (v.queries === m.queries && v.keys === m.keys) v.mask = m;
  }
  const order: Record<AttentionKind, number> = { encoder: 0, self: 1, cross: 2 };
  return [...views.values()].sort((a, b) => order[a.kind] - order[b.kind] || a.layer - b.layer);
}
