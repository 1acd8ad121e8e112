/** Heatmap and grid geometry, DOM-free: cell sizes, which labels fit, hit testing. */

export interface HeatLayout {
  queries: number;
  keys: number;
  /**
   * Cell side in CSS pixels: an integer ≥ 1 (cells stay crisp), or with `fitBelowOne` a fraction when the matrix has
   * more cells than pixels (the caller then pools blocks of cells into each pixel).
   */
  cell: number;
  /** The first query and key shown (a zoomed window of a larger matrix; 0 otherwise). */
  q0: number;
  k0: number;
  /** Where the matrix starts (room for row labels on the left and column labels on top). */
  left: number;
  top: number;
  width: number;
  height: number;
  /** Label every n-th row / column so labels never overlap. */
  rowStride: number;
  colStride: number;
}

export interface HeatLayoutOptions {
  maxWidth: number;
  maxHeight: number;
  /** Space for row labels and for the (rotated) column labels. */
  labelWidth: number;
  labelHeight: number;
  /** Line height of a label: a label needs this many pixels of its own. */
  labelSize: number;
  maxCell?: number;
  /** Fit a matrix larger than the space with a fractional cell instead of scrolling at one pixel per cell. */
  fitBelowOne?: boolean;
  /** Origin of the window shown (absolute indices for labels and hit testing). */
  q0?: number;
  k0?: number;
}

export function heatLayout(queries: number, keys: number, o: HeatLayoutOptions): HeatLayout {
  const maxCell = o.maxCell ?? 28;
  const fit = Math.min((o.maxWidth - o.labelWidth) / Math.max(1, keys), (o.maxHeight - o.labelHeight) / Math.max(1, queries));
  const cell = o.fitBelowOne && fit < 1 ? Math.max(fit, 1e-3) : Math.max(1, Math.min(maxCell, Math.floor(fit)));
  const stride = Math.max(1, Math.ceil(o.labelSize / cell));
  return {
    queries,
    keys,
    cell,
    q0: o.q0 ?? 0,
    k0: o.k0 ?? 0,
    left: o.labelWidth,
    top: o.labelHeight,
    width: Math.ceil(o.labelWidth + keys * cell),
    height: Math.ceil(o.labelHeight + queries * cell),
    rowStride: stride,
    colStride: stride,
  };
}

/** The cell under a point (CSS pixels relative to the canvas), as absolute indices, or null outside the matrix. */
export function cellAt(l: HeatLayout, x: number, y: number): { query: number; key: number } | null {
  const key = Math.floor((x - l.left) / l.cell);
  const query = Math.floor((y - l.top) / l.cell);
  if (x < l.left || y < l.top || key >= l.keys || query >= l.queries) return null;
  return { query: l.q0 + query, key: l.k0 + key };
}

/** Whether label i is drawn: every stride-th, plus the always-shown selected one. */
export const labelShown = (i: number, stride: number, selected?: number) => i === selected || i % stride === 0;

/** Thumbnail side in CSS pixels so `heads` columns (plus a label column) fit in `width`, within [min, max]. */
export function thumbSide(width: number, heads: number, labelWidth: number, gap: number, min = 18, max = 72): number {
  const side = Math.floor((width - labelWidth) / Math.max(1, heads) - gap);
  return Math.max(min, Math.min(max, side));
}

/** Clamps v into [0, n-1] after moving by delta (n = 0 gives 0). */
export function step(v: number, delta: number, n: number): number {
  return n <= 0 ? 0 : Math.max(0, Math.min(n - 1, v + delta));
}
