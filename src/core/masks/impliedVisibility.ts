/**
 * The visible/hidden grid a fused attention kernel applies for given inputs (onnx/recompute/implied.ts describes
 * the mask from the op's inputs and attributes; the rules are explained there). Pure, graph-free: the mask
 * inspector computes it on the extension host, which does not load the graph code.
 */
import type { ImpliedMask } from '../onnx/types';

type PaddingForm = NonNullable<ImpliedMask['padding']>['form'];

export interface ImpliedMaskInputs {
  batch: number;
  queries: number;
  keys: number;
  /** Keys before the first query (default keys − queries). */
  pastLength?: number;
  /** The values of the padding input (`ImpliedMask.padding.input`) for this run. */
  padding?: ArrayLike<number | bigint>;
}

/** The visible (1) / hidden (0) grid [batch, queries, keys] the kernel applies for these inputs. */
export function impliedVisibility(mask: ImpliedMask, inputs: ImpliedMaskInputs): Uint8Array {
  const { batch: B, queries: S, keys: T } = inputs;
  const past = inputs.pastLength ?? T - S;
  const pad = inputs.padding ? Array.from(inputs.padding, Number) : null;
  const out = new Uint8Array(B * S * T);
  for (let b = 0; b < B; b++) {
    // GroupQueryAttention: row b holds seqlens_k[b] + 1 keys; after the prompt its queries are the last of them.
    const rowKeys = mask.padding?.form === 'seqlens-k' && pad ? pad[b] + 1 : T;
    const rowPast = mask.padding?.form === 'seqlens-k' && pad && past > 0 ? rowKeys - S : past;
    for (let i = 0; i < S; i++) {
      const p = mask.causal === 'start' ? i : rowPast + i;
      for (let j = 0; j < T; j++) {
        let visible = j < rowKeys;
        if (mask.causal && j > p) visible = false;
        if (mask.window !== null && j <= p - mask.window) visible = false;
        if (pad && mask.padding) visible &&= padVisible(mask.padding.form, pad, b, i, j, B, S, T);
        out[(b * S + i) * T + j] = visible ? 1 : 0;
      }
    }
  }
  return out;
}

function padVisible(form: PaddingForm, pad: number[], b: number, i: number, j: number, B: number, S: number, T: number) {
  switch (form) {
    case '2d':
      return pad[b * T + j] > 0;
    case '3d':
      return pad[(b * S + i) * T + j] > 0;
    case '1d-end':
      return j < pad[b];
    case '1d-end-start':
      return j < pad[b] && j >= Math.min(pad[b + B], T);
    case 'seqlens-k':
      return true; // handled through rowKeys
  }
}
