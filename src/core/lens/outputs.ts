// Pure functions over the lens: ORT outputs → entries, the capture a trace keeps, and what the panel reads
// from it. The tensors are plain { dims, data } so tests and the webview need no ONNX Runtime.
import { halfToFloat } from '../float16';

export type NormKind =
  | 'LayerNormalization'
  | 'SkipLayerNormalization'
  | 'SkipSimplifiedLayerNormalization'
  | 'SimplifiedLayerNormalization'
  | 'RMSNormalization'
  | 'decomposed LayerNorm'
  | 'decomposed RMSNorm'
  | 'other'
  | 'none';

export interface LensNorm {
  kind: NormKind;
  nodes: string[];
  weight: string | null;
  bias: string | null;
}

export interface LensLmHead {
  node: string;
  opType: string;
  weight: string;
  transposed: boolean;
  tied: boolean;
  vocab: number | null;
}

/** What the lens applies, in words and names (for the trace, the CLI and the panel). */
export interface LensHeadInfo {
  input: string;
  logits: string;
  norm: LensNorm;
  lmHead: LensLmHead;
  layers: { layer: number; tensor: string }[];
}

export interface TensorLike {
  dims: readonly number[];
  /** Numbers, or bigints for int64 (ORT's Tensor fits); float16 bit patterns when `type` says so. */
  data: ArrayLike<unknown>;
  type?: string;
}

/** A tensor's values as numbers: a float16 model's lens runs in float16, and ORT returns those as bit patterns. */
export function numbersOf(tensor: TensorLike): ArrayLike<number> {
  if (tensor.type === 'float16') return halfToFloat(tensor.data as Uint16Array);
  return tensor.data as ArrayLike<number>;
}

export interface LensTop {
  id: number;
  prob: number;
  /** Added by the caller with the tokenizer. */
  text?: string;
}

/** One layer's next-token distribution at one position (the CLI JSON's `lens` items). */
export interface LensEntry {
  layer: number;
  position: number;
  top: LensTop[];
}

/** Everything the lens recorded in one decode; typed arrays like the rest of the Trace. */
export interface LensCapture {
  layers: number[];
  /** Ascending positions on the self-attention axis; the lens at position p predicts the token at p + 1. */
  positions: number[];
  k: number;
  rows: 'last' | 'all';
  /** [position][layer][k], most likely first. */
  ids: Int32Array;
  probs: Float32Array;
  /** The token that actually came next at each position (the next input token or the generated one); -1 if unknown. */
  nextIds: Int32Array;
  /** [position][layer]: each layer's probability of nextIds[position]; NaN if unknown. */
  nextProbs: Float32Array;
  head: LensHeadInfo | null;
  /** Why some or all of the decode ran without a lens. */
  unavailable: string[];
  /** The text of every id above, filled by the caller with the tokenizer (see withTokenTexts). */
  texts?: Record<number, string>;
}

/**
 * One run's TopK outputs ([batch 1, layers × rows, k], layer-major) as entries. Row r is position
 * `firstPosition + r`.
 */
export function lensFromOutputs(topProbs: TensorLike, topIds: TensorLike, layers: number[], firstPosition: number): LensEntry[] {
  const k = topProbs.dims[topProbs.dims.length - 1];
  const rows = topProbs.data.length / k / layers.length;
  if (!Number.isInteger(rows) || topIds.data.length !== topProbs.data.length) {
    throw new Error(
      `lens outputs [${topProbs.dims.join(', ')}] / [${topIds.dims.join(', ')}] do not hold ${layers.length} layers of top-${k}`,
    );
  }
  const probs = numbersOf(topProbs);
  const entries: LensEntry[] = [];
  for (let r = 0; r < rows; r++) {
    layers.forEach((layer, l) => {
      const at = (l * rows + r) * k;
      const top: LensTop[] = [];
      for (let j = 0; j < k; j++) top.push({ id: Number(topIds.data[at + j]), prob: probs[at + j] });
      entries.push({ layer, position: firstPosition + r, top });
    });
  }
  return entries;
}

/** The capture with the text of each id it holds (the recorder knows ids only). */
export function withTokenTexts(capture: LensCapture, tokenText: (id: number) => string): LensCapture {
  const texts: Record<number, string> = {};
  for (const id of new Set([...capture.ids, ...capture.nextIds])) if (id >= 0) texts[id] = tokenText(id);
  return { ...capture, texts };
}

/** The capture as entries, position-major then layer; ids are named by `text`, else by `capture.texts`. */
export function lensEntries(capture: LensCapture, text?: (id: number) => string): LensEntry[] {
  const { layers, k } = capture;
  const texts = capture.texts;
  text ??= texts ? (id) => texts[id] ?? '' : undefined;
  const out: LensEntry[] = [];
  capture.positions.forEach((position, p) => {
    layers.forEach((layer, l) => {
      const at = (p * layers.length + l) * k;
      const top: LensTop[] = [];
      for (let j = 0; j < k; j++) {
        const id = capture.ids[at + j];
        top.push(text ? { id, text: text(id), prob: capture.probs[at + j] } : { id, prob: capture.probs[at + j] });
      }
      out.push({ layer, position, top });
    });
  });
  return out;
}

/** The heatmap cells: each layer's top-1 id and probability at each position ([position][layer]). */
export function lensTop1(capture: LensCapture): { ids: Int32Array; probs: Float32Array } {
  const cells = capture.positions.length * capture.layers.length;
  const ids = new Int32Array(cells);
  const probs = new Float32Array(cells);
  for (let c = 0; c < cells; c++) {
    ids[c] = capture.ids[c * capture.k];
    probs[c] = capture.probs[c * capture.k];
  }
  return { ids, probs };
}

/**
 * Per position, the first layer from which the top-1 token is the final layer's and stays so: where the model
 * "decides" (the last layer when no earlier one agrees).
 */
export function decisionLayers(capture: LensCapture): number[] {
  const L = capture.layers.length;
  const { ids } = lensTop1(capture);
  return capture.positions.map((_, p) => {
    const final = ids[p * L + L - 1];
    let first = L - 1;
    while (first > 0 && ids[p * L + first - 1] === final) first--;
    return capture.layers[first];
  });
}
