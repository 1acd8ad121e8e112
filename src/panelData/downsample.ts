/**
 * Shrinking a [rows][cols] matrix for thumbnails, DOM-free. Max-pooling keeps a sharp pattern (a diagonal, one
 * attended token) visible where averaging would fade it into the background.
 */

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
