/** Small statistics over attention rows, DOM-free. */

/**
 * Shannon entropy in bits of a probability row (renormalised over the cells counted, so float error and
 * masked-out mass do not bias it). Cells where `visible` is 0 are skipped. An empty or all-zero row gives NaN.
 */
export function entropyBits(row: ArrayLike<number>, visible?: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < row.length; i++) if ((!visible || visible[i]) && row[i] > 0) total += row[i];
  if (!(total > 0)) return NaN;
  let h = 0;
  for (let i = 0; i < row.length; i++) {
    if (visible && !visible[i]) continue;
    const p = row[i] / total;
    if (p > 0) h -= p * Math.log2(p);
  }
  return Math.max(0, h);
}

/** Mean over the first axis of a [n][size] stack stored flat. */
export function meanOfStack(data: ArrayLike<number>, n: number, size: number): Float32Array {
  const out = new Float32Array(size);
  if (n === 0) return out;
  for (let h = 0; h < n; h++) {
    const base = h * size;
    for (let i = 0; i < size; i++) out[i] += data[base + i];
  }
  for (let i = 0; i < size; i++) out[i] /= n;
  return out;
}

/** Indices of the k largest values, largest first (ties keep the lower index first). */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i).filter((i) => Number.isFinite(values[i]));
  idx.sort((a, b) => values[b] - values[a] || a - b);
  return idx.slice(0, Math.max(0, k));
}

/** −log2 p; NaN where p is not a probability. */
export function surprisalBits(p: number): number {
  return p > 0 && p <= 1 ? 0 - Math.log2(p) : NaN; // 0 - x: no -0 for p = 1
}
