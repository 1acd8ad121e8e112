// Masks: where a mask operand comes from (a mask input, a causal construction) and, at run time, how raw mask
// values read as visible / hidden.
import type { GraphView } from './graphView';

export type MaskOrigin = 'input' | 'causal';

const COMPARISONS = new Set(['Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Equal']);

/** What a mask operand derives from: a model input named like a mask, and/or a causal construction. */
export function maskOrigins(view: GraphView, tensor: string): MaskOrigin[] {
  const origins = new Set<MaskOrigin>();
  const seen = new Set<string>();
  const stack = [tensor];
  let sawRange = false;
  let sawComparison = false;
  let budget = 2000;
  while (stack.length > 0 && budget-- > 0) {
    const t = stack.pop()!;
    if (!t || seen.has(t)) continue;
    seen.add(t);
    if (view.isModelInput(t)) {
      if (/mask/i.test(t)) origins.add('input');
      continue;
    }
    const init = view.initializer(t);
    if (init) {
      // GPT-2 style: a stored lower-triangular buffer (`attn.bias`, `causal_mask`) sliced to the sequence.
      const d = init.dims;
      if (/mask|bias|causal|tril/i.test(t) && d.length >= 2 && d[d.length - 1] === d[d.length - 2] && d[d.length - 1] > 1) {
        origins.add('causal');
      }
      continue;
    }
    const p = view.producerOf(t);
    // A shape says nothing about which cells are hidden (and leads back through the whole residual stream).
    if (!p || p.opType === 'Shape' || p.opType === 'Size') continue;
    if (p.opType === 'Trilu') origins.add('causal');
    if (p.opType === 'Range') sawRange = true;
    if (COMPARISONS.has(p.opType)) sawComparison = true;
    for (const i of p.inputs) stack.push(i);
  }
  if (sawRange && sawComparison) origins.add('causal');
  return [...origins];
}

/**
 * Reads raw additive mask values as visibility: 1 where the position is visible, 0 where the model hid it.
 * Exports write "hidden" as -inf, -1e9, -10000 or float32's lowest value, so anything at or below
 * `threshold` counts as hidden (NaN too).
 */
export function maskVisibility(values: ArrayLike<number>, threshold = -1e4): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] > threshold ? 1 : 0;
  return out;
}

/** Visibility of a boolean mask selected through `Where` (see MaskKind). */
export function booleanMaskVisibility(values: ArrayLike<number | boolean>, keepWhereTrue: boolean): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Boolean(values[i]) === keepWhereTrue ? 1 : 0;
  return out;
}
