// Hidden-state statistics for the chart: per-layer norms of the residual stream, and how much each layer turned
// it (the cosine between consecutive layers' vectors at the same position). Pure: reads the trace's captures.
import type { HiddenCapture } from '../trace/types';

export interface HiddenStats {
  layers: number[];
  positions: number;
  /** [layer][position] L2 norms. */
  norms: Float32Array;
  meanNorm: number[];
  /** [layer][position] cosine between this layer's vector and the previous captured layer's; NaN for the first layer, or when neither the recorded cosines nor the vectors are there. */
  cosine: Float32Array;
  /** Per layer, 1 − the mean cosine over positions: how far the layer turned the residual stream (NaN if unknown). */
  change: number[];
}

export function hiddenStats(hidden: HiddenCapture[]): HiddenStats {
  const sorted = [...hidden].sort((a, b) => a.layer - b.layer);
  const positions = Math.min(...sorted.map((h) => h.norms.length), Infinity);
  const P = Number.isFinite(positions) ? positions : 0;
  const norms = new Float32Array(sorted.length * P);
  const cosine = new Float32Array(sorted.length * P).fill(NaN);
  sorted.forEach((h, l) => {
    norms.set(h.norms.subarray(0, P), l * P);
    const prev = sorted[l - 1];
    if (!prev) return;
    // The decoder records the cosine while both layers' rows are at hand; vectors (when kept) give the same.
    if (h.cosineToPrevious && prev.layer === h.layer - 1) cosine.set(h.cosineToPrevious.subarray(0, P), l * P);
    else if (prev.vectors && h.vectors && prev.width === h.width)
      for (let p = 0; p < P; p++) cosine[l * P + p] = cosineRows(prev.vectors, h.vectors, p * h.width, h.width);
  });
  const mean = (a: Float32Array, l: number) => {
    let sum = 0;
    for (let p = 0; p < P; p++) sum += a[l * P + p];
    return P > 0 ? sum / P : NaN;
  };
  return {
    layers: sorted.map((h) => h.layer),
    positions: P,
    norms,
    meanNorm: sorted.map((_, l) => mean(norms, l)),
    cosine,
    change: sorted.map((_, l) => 1 - mean(cosine, l)),
  };
}

/** Cosine of two same-width rows starting at `at` in a and b (NaN when either is zero). */
export function cosineRows(a: Float32Array, b: Float32Array, at: number, width: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = at; i < at + width; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : NaN;
}
