/** Max-pooling a window of a matrix to a pixel grid, DOM-free (the head view paints through it; unit tests call it). */

/** A window of a [rows][cols] matrix: rows r0 … r0 + nr − 1, columns c0 … c0 + nc − 1. */
export interface MatrixRegion {
  r0: number;
  c0: number;
  nr: number;
  nc: number;
}

/**
 * The max-pooling behind heatmap.ts paintRegion: outRows × outCols maxima of `region`'s blocks, taken over the
 * visible cells only (a masked cell counts as 0), and −1 for a block whose every cell is masked. Each block is
 * read row by row over its own column range (contiguous, no per-cell lookups): this is the hot loop of a 4,096² head.
 */
export function poolRegion(
  values: ArrayLike<number>,
  cols: number,
  region: MatrixRegion,
  outRows: number,
  outCols: number,
  visible?: ArrayLike<number>,
): Float32Array {
  const { r0, c0, nr, nc } = region;
  const out = new Float32Array(outRows * outCols);
  const colStart = new Int32Array(outCols + 1);
  for (let c = 0; c <= outCols; c++) colStart[c] = c0 + Math.floor((c * nc) / outCols);
  for (let r = 0; r < outRows; r++) {
    const y0 = r0 + Math.floor((r * nr) / outRows);
    const y1 = r0 + Math.floor(((r + 1) * nr) / outRows);
    for (let c = 0; c < outCols; c++) {
      const x0 = colStart[c];
      const x1 = colStart[c + 1];
      let max = 0;
      let seen = 0;
      for (let y = y0; y < y1; y++) {
        const row = y * cols;
        if (visible)
          for (let i = row + x0; i < row + x1; i++) {
            const v = values[i] * visible[i];
            seen |= visible[i];
            if (v > max) max = v;
          }
        else
          for (let i = row + x0; i < row + x1; i++) {
            const v = values[i];
            if (v > max) max = v;
          }
      }
      out[r * outCols + c] = visible && !seen ? -1 : max;
    }
  }
  return out;
}
