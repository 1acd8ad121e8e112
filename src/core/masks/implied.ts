/**
 * A fused kernel's mask on a trace's axes: what the op's inputs and attributes imply (onnx/recompute/implied.ts),
 * beside what the capture observed (the cells where every head's probability is exactly zero). The mask inspector
 * shows both and the cells where they differ.
 */
import type { ImpliedMask } from '../onnx/types';
import { impliedVisibility } from './impliedVisibility';
import { attentionHead } from '../trace/attention';
import type { AttentionCapture, AttentionKind, Trace } from '../trace/types';
import { keyMask } from './expected';

/**
 * [query][key] 1 where the kernel lets the query see the key, over the whole trace (every step's rows). Each row is
 * a query at its own position with every earlier key as its past, so the causal and window rules apply per row;
 * the padding input is read as the decoder feeds it: a 2-D/3-D mask_index is the attention_mask over the keys
 * (generated keys shown), a 1-D one its length, seqlens_k the row's own length (position + 1, the causal bound).
 * `null` when the padding form cannot be read from the trace (end and start positions).
 */
export function impliedOnTrace(trace: Trace, kind: AttentionKind, queries: number, keys: number, mask: ImpliedMask): Uint8Array | null {
  const form = mask.padding?.form;
  if (form === '1d-end-start') return null;
  const keysShown = keyMask(trace, kind, keys);
  const padding = form === '2d' || form === '3d' ? keysShown : form === '1d-end' ? [keysShown.reduce((a, b) => a + b, 0)] : undefined;
  // A 3-D mask_index is [batch][query][key]: the same key mask on every row.
  const perRow = form === '3d' ? { ...mask, padding: { input: mask.padding!.input, form: '2d' as const } } : mask;
  // Square self attention: the rows are the positions themselves (no past before the first); cross: no causality.
  const grid = impliedVisibility(form === 'seqlens-k' ? { ...perRow, padding: null } : perRow, {
    batch: 1,
    queries,
    keys,
    pastLength: Math.max(0, keys - queries),
    ...(padding ? { padding } : {}),
  });
  return grid;
}

/** [query][key] 1 where some head's captured probability is not exactly zero. */
export function observedVisible(attention: AttentionCapture): Uint8Array {
  const { heads, queries, keys } = attention;
  const out = new Uint8Array(queries * keys);
  for (let h = 0; h < heads; h++) {
    const data = attentionHead(attention, h);
    for (let i = 0; i < out.length; i++) if (data[i] !== 0) out[i] = 1;
  }
  return out;
}
