/**
 * A trace's attention pooled down for the panel's grid of thumbnails: every head max-pooled to at most size × size
 * blocks (max-pooling keeps a sharp pattern, a diagonal or one attended token, visible where averaging would fade
 * it), and the blocks a layer's mask hides whole. Pure and vscode-free; written as Work that yields every
 * millisecond or so: at T = 4,096 × 384 heads the grid is billions of reads, which the extension host serves in
 * slices with its event loop free between them (PanelDataService.thumbnailsSliced).
 */
import { attentionStore, attentionTopRow } from './attention';
import { maskVisible } from './masks';
import type { AttentionCapture, AttentionKind, MaskCapture } from './types';

/** Output size: the longer side becomes at most `size`, the aspect ratio is kept, never upscaled, at least 1. */
export function pooledSize(rows: number, cols: number, size: number): { rows: number; cols: number } {
  const scale = Math.min(1, size / Math.max(rows, cols, 1));
  return { rows: Math.max(1, Math.round(rows * scale)), cols: Math.max(1, Math.round(cols * scale)) };
}

/** Source index range [start, end) that output cell i of n covers among `total` (every source cell in exactly one). */
export function binRange(i: number, n: number, total: number): [number, number] {
  return [Math.floor((i * total) / n), Math.floor(((i + 1) * total) / n)];
}

/**
 * Max of each block of `src` (read at `offset`, [rows][cols]) into `out` at `outOffset`, mapped through `map`
 * (e.g. to a byte). `out` has outRows × outCols cells. One pass over the source (each cell read once, in order),
 * each output column's span read in a tight loop of its own: a 384-head, T = 4,096 grid is 6.4 G reads, so the
 * inner loop is all that matters (no per-cell bin lookup or float64 store).
 */
export function maxPool(
  src: ArrayLike<number>,
  offset: number,
  rows: number,
  cols: number,
  out: { [i: number]: number },
  outOffset: number,
  outRows: number,
  outCols: number,
  map: (v: number) => number = (v) => v,
  /** Only output rows [fromRow, toRow): a caller can pool a large head a band at a time between other work. */
  fromRow = 0,
  toRow = outRows,
): void {
  // colStart[c] … colStart[c + 1]: the source columns of output column c (binRange, every column in one bin).
  const colStart = new Int32Array(outCols + 1);
  for (let c = 0; c <= outCols; c++) colStart[c] = Math.floor((c * cols) / outCols);
  const acc = new Float64Array(outCols);
  for (let r = fromRow; r < toRow; r++) {
    const [r0, r1] = binRange(r, outRows, rows);
    acc.fill(-Infinity);
    for (let y = r0; y < r1; y++) {
      const row = offset + y * cols;
      for (let c = 0; c < outCols; c++) {
        let m = acc[c];
        const end = row + colStart[c + 1];
        for (let i = row + colStart[c]; i < end; i++) {
          const v = src[i];
          if (v > m) m = v;
        }
        acc[c] = m;
      }
    }
    for (let c = 0; c < outCols; c++) out[outOffset + r * outCols + c] = map(acc[c] === -Infinity ? 0 : acc[c]);
  }
}

/** 1 where every source cell of the block is 0 in `visible` (the whole block is masked), else 0. */
export function maskedBlocks(visible: ArrayLike<number>, rows: number, cols: number, outRows: number, outCols: number): Uint8Array {
  const out = new Uint8Array(outRows * outCols);
  for (let r = 0; r < outRows; r++) {
    const [r0, r1] = binRange(r, outRows, rows);
    for (let c = 0; c < outCols; c++) {
      const [c0, c1] = binRange(c, outCols, cols);
      let anyVisible = false;
      for (let y = r0; y < r1 && !anyVisible; y++)
        for (let x = c0; x < c1; x++)
          if (visible[y * cols + x]) {
            anyVisible = true;
            break;
          }
      out[r * outCols + c] = anyVisible ? 0 : 1;
    }
  }
  return out;
}

/** The grid before colour: each block's largest stored value (float32 probability or code) and its scale. */
export interface PooledAttention {
  layers: number[];
  heads: number;
  rows: number;
  cols: number;
  /** [layer][head][row][col] the block's largest stored value (0 for heads a layer does not store). */
  maxima: Float32Array;
  /** Per layer, the factor that turns a stored value into a probability (1 for float32 and top-k rows). */
  scales: Float64Array;
  /** Per layer, 1 where the scaled value is √p (8-bit 'sqrt' codes): square it. */
  squared: Uint8Array;
  headsPerLayer: Uint8Array;
  /** [layer][row][col] 1 where every cell of the block is masked. */
  masked: Uint8Array;
}

/** Work that yields between slices of about a millisecond: run it at once (runNow) or between other work. */
export type Work<T> = Generator<void, T, void>;

export function runNow<T>(work: Work<T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}

/** A kind's captures, by layer. */
export function layersOfKind(attention: AttentionCapture[], kind: AttentionKind): AttentionCapture[] {
  return attention.filter((a) => a.kind === kind).sort((x, y) => x.layer - y.layer);
}

/** The mask captured for this attention capture, if its shape matches. */
export function maskOf<M extends Omit<MaskCapture, 'raw'>>(masks: M[], a: AttentionCapture): M | undefined {
  const m = masks.find((x) => x.layer === a.layer && x.kind === a.kind);
  return m && m.queries === a.queries && m.keys === a.keys ? m : undefined;
}

/**
 * Every head of a kind's layers (at least one) pooled to at most size cells on its longer side (1…512). Pooled
 * over the stored values: codes are monotonic in the probability, so the max of codes is the code of the max.
 */
export function* poolAttention(
  attention: AttentionCapture[],
  masks: Omit<MaskCapture, 'raw'>[],
  kind: AttentionKind,
  size: number,
): Work<PooledAttention> {
  const layers = layersOfKind(attention, kind);
  if (!layers.length) throw new RangeError(`No ${kind} attention was captured.`);
  const first = layers[0];
  const { rows, cols } = pooledSize(first.queries, first.keys, Math.max(1, Math.min(512, Math.floor(size))));
  const heads = Math.max(...layers.map((a) => a.heads));
  const maxima = new Float32Array(layers.length * heads * rows * cols);
  const masked = new Uint8Array(layers.length * rows * cols);
  const scales = new Float64Array(layers.length);
  const squared = new Uint8Array(layers.length);
  // Output rows pooled per slice: about 256 K source reads.
  const band = Math.max(1, Math.floor((rows * 2 ** 18) / Math.max(1, first.queries * first.keys)));
  for (let l = 0; l < layers.length; l++) {
    const a = layers[l];
    if (a.topK) {
      scales[l] = 1;
      for (let h = 0; h < a.heads; h++) {
        poolTopK(a, h, maxima, (l * heads + h) * rows * cols, rows, cols);
        yield;
      }
    } else {
      const { values, scale, squared: sq } = attentionStore(a);
      scales[l] = scale;
      squared[l] = sq ? 1 : 0;
      for (let h = 0; h < a.heads; h++)
        for (let r = 0; r < rows; r += band) {
          const at = (l * heads + h) * rows * cols;
          maxPool(values, h * a.queries * a.keys, a.queries, a.keys, maxima, at, rows, cols, undefined, r, Math.min(rows, r + band));
          yield;
        }
    }
    const m = maskOf(masks, a);
    if (m) masked.set(maskedBlocks(maskVisible(m), m.queries, m.keys, rows, cols), l * rows * cols);
    yield;
  }
  return {
    layers: layers.map((a) => a.layer),
    heads,
    rows,
    cols,
    maxima,
    scales,
    squared,
    headsPerLayer: Uint8Array.from(layers, (a) => a.heads),
    masked,
  };
}

/** A top-k capture's head max-pooled like maxPool: each block's largest kept probability (0 where it keeps none). */
function poolTopK(a: AttentionCapture, head: number, out: Float32Array, at: number, rows: number, cols: number): void {
  const binOf = (n: number, total: number) => {
    const bins = new Int32Array(total);
    for (let i = 0; i < n; i++) bins.fill(i, ...binRange(i, n, total));
    return bins;
  };
  const rowBin = binOf(rows, a.queries);
  const colBin = binOf(cols, a.keys);
  const best = new Float32Array(rows * cols);
  for (let q = 0; q < a.queries; q++) {
    const { keys, values } = attentionTopRow(a, head, q);
    const base = rowBin[q] * cols;
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] < 0 || keys[j] >= a.keys) continue;
      const cell = base + colBin[keys[j]];
      if (values[j] > best[cell]) best[cell] = values[j];
    }
  }
  out.set(best, at);
}
