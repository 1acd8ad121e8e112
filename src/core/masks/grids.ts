/**
 * A layer's mask grid as the Masks view draws it: the applied mask beside what it should be, the largest weight
 * over heads, and a fused op's implied mask, pooled to the size asked for. Pure and vscode-free: the worker runs
 * it (at T = 4,096 one layer costs about a second, too long for the extension host), tests call it directly.
 */
import { maskVisible } from '../trace/masks';
import type { AttentionKind, Trace } from '../trace/types';
import { expectedVisible, layerViews, maxOverHeads, type LayerView } from './expected';
import { impliedOnTrace, observedVisible } from './implied';
import type { TapFacts } from './types';

/** Which cells of a layer to pool: at most maxRows × maxCols, of the block from (q0, k0) (default: the whole grid). */
export interface GridWindow {
  maxRows: number;
  maxCols: number;
  q0?: number;
  k0?: number;
  rows?: number;
  cols?: number;
}

export interface GridRequest extends GridWindow {
  kind: AttentionKind;
  layer: number;
}

/** A fused op's implied mask beside the observed one, pooled like the grid. */
export interface PooledImplied {
  /** The op type without its domain ('GroupQueryAttention') and the node's graph name: "implied by <op> (<node>)". */
  op: string;
  node: string;
  /** What the op's inputs and attributes say ('causal, local_window_size=3, seqlens_k …'), in the core's words. */
  detail: string;
  /** [row][col] 1 where the op lets the query see the key (a block: only when it lets every cell of it be seen). */
  visible: Uint8Array;
  /** [row][col] 1 where some head's captured probability is not exactly zero; null when no attention was captured. */
  observed: Uint8Array | null;
  /** [row][col] 1 where implied and observed differ (a block: when any cell of it does). */
  differs: Uint8Array;
  /** Cells (of the whole grid, not the block) where they differ. */
  differing: number;
  /** The capture stored probabilities in 8 or 16 bits: a probability under this reads as zero (0 = exact). */
  zeroBelow: number;
}

/**
 * One layer's grid, rows × cols blocks of qStep × kStep cells from (q0, k0). `weight` is each block's largest
 * weight as a probability (the host encodes it as the view's bytes); the rest as the protocol's InspectorGrid.
 */
export interface PooledGrid {
  layer: number;
  kind: AttentionKind;
  /** The grid's full size. */
  queries: number;
  keys: number;
  /** The cells sent. */
  q0: number;
  k0: number;
  rows: number;
  cols: number;
  qStep: number;
  kStep: number;
  /** [query][key] 1 where the model let the query see the key; null when no mask was captured for this layer. */
  applied: Uint8Array | null;
  /** [query][key] 1 where the input mask and causality say the query may see the key. */
  expected: Uint8Array;
  /** [query][key] the largest weight over heads as a probability (the host encodes it as the view's byte). */
  weight: Float32Array;
  /**
   * [query][key] 1 where the mask differs from what it should be (without a captured mask: where it reads a key
   * it should not); a block when any cell of it does.
   */
  differs: Uint8Array;
  /** Cells of the whole grid (not the blocks sent) that differ. */
  differing: number;
  /** Fused ops: the mask their kernel applies, beside the observed one; null for a graph-built mask. */
  implied: PooledImplied | null;
}

/** Every layer's grid pooled to at most `side` a side, one layer at full resolution at a time. */
export function layerGrids(trace: Trace, taps: readonly TapFacts[], side: number): PooledGrid[] {
  return layerViews(trace).map((v) => pooledGrid(layerCells(trace, v, taps), { maxRows: side, maxCols: side }));
}

/** The last layer asked for, at full resolution (zooming about one layer reads its heads once). */
export interface GridCache {
  last?: { trace: Trace; taps: readonly TapFacts[]; cells: LayerCells };
}

/** One grid of a trace as asked for, or null when the trace has no such layer. */
export function layerGrid(trace: Trace, request: GridRequest, taps: readonly TapFacts[] = [], cache?: GridCache): PooledGrid | null {
  const hit = cache?.last;
  if (hit && hit.trace === trace && hit.taps === taps && hit.cells.view.kind === request.kind && hit.cells.view.layer === request.layer)
    return pooledGrid(hit.cells, request);
  const v = layerViews(trace).find((g) => g.kind === request.kind && g.layer === request.layer);
  if (!v) return null;
  const cells = layerCells(trace, v, taps);
  if (cache) cache.last = { trace, taps, cells };
  return pooledGrid(cells, request);
}

/** A layer's cells at full resolution, as the trace gives them (no copy of the trace's own arrays). */
export interface LayerCells {
  view: LayerView;
  applied: Uint8Array | null;
  expected: Uint8Array;
  /** The largest weight over heads, or null when no attention was captured. */
  weight: Float32Array | null;
  implied: {
    tap: TapFacts;
    mask: NonNullable<TapFacts['implied']>;
    visible: Uint8Array;
    observed: Uint8Array | null;
    differing: number;
  } | null;
  /** Cells of the whole layer where the mask differs from what it should be. */
  differing: number;
}

export function layerCells(trace: Trace, v: LayerView, taps: readonly TapFacts[]): LayerCells {
  const tap = taps.find((t) => t.layer === v.layer && t.kind === v.kind && t.implied);
  const mask = tap?.implied;
  const visible = mask ? impliedOnTrace(trace, v.kind, v.queries, v.keys, mask) : null;
  const applied = v.mask ? maskVisible(v.mask) : null;
  const expected = expectedVisible(trace, v.kind, v.queries, v.keys);
  const weight = v.attention ? maxOverHeads(v.attention) : null;
  let differing = 0;
  for (let i = 0; i < expected.length; i++)
    if (applied ? applied[i] !== expected[i] : weight !== null && weight[i] > 0 && !expected[i]) differing++;
  const observed = visible && v.attention ? observedVisible(v.attention) : null;
  let impliedDiffering = 0;
  if (visible && observed) for (let i = 0; i < visible.length; i++) if (visible[i] !== observed[i]) impliedDiffering++;
  return {
    view: v,
    applied,
    expected,
    weight,
    implied: tap && mask && visible ? { tap, mask, visible, observed, differing: impliedDiffering } : null,
    differing,
  };
}

/**
 * The block from (q0, k0) of a layer, downsampled to at most maxRows × maxCols in one pass. Pooling keeps what must
 * not be lost: a block is hidden (applied, expected, implied, observed) when any of its cells is, differs when any
 * cell differs, and carries its largest weight. At full resolution it is the cells themselves (copied: the trace's
 * arrays may be shared).
 */
export function pooledGrid(cells: LayerCells, request: GridWindow): PooledGrid {
  const { view: v, applied, expected, weight } = cells;
  const [Q, K] = [v.queries, v.keys];
  const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(x)));
  const q0 = clamp(request.q0 ?? 0, 0, Q - 1);
  const k0 = clamp(request.k0 ?? 0, 0, K - 1);
  const height = clamp(request.rows ?? Q, 1, Q - q0);
  const width = clamp(request.cols ?? K, 1, K - k0);
  const qStep = Math.ceil(height / clamp(request.maxRows, 1, 1 << 16));
  const kStep = Math.ceil(width / clamp(request.maxCols, 1, 1 << 16));
  const rows = Math.ceil(height / qStep);
  const cols = Math.ceil(width / kStep);
  const n = rows * cols;
  const out = {
    applied: applied ? new Uint8Array(n).fill(1) : null,
    expected: new Uint8Array(n).fill(1),
    weight: new Float32Array(n),
    differs: new Uint8Array(n),
  };
  const im = cells.implied;
  const imOut = im && {
    visible: new Uint8Array(n).fill(1),
    observed: im.observed ? new Uint8Array(n).fill(1) : null,
    differs: new Uint8Array(n),
  };
  // Which block each key column falls in, once.
  const colBlock = new Int32Array(width);
  for (let c = 0; c < width; c++) colBlock[c] = Math.floor(c / kStep);
  for (let q = q0; q < q0 + height; q++) {
    const base = Math.floor((q - q0) / qStep) * cols;
    const line = q * K + k0;
    for (let c = 0; c < width; c++) {
      const i = line + c;
      const o = base + colBlock[c];
      const e = expected[i];
      const w = weight ? weight[i] : 0;
      if (!e) out.expected[o] = 0;
      if (w > out.weight[o]) out.weight[o] = w;
      if (out.applied) {
        const a = applied![i];
        if (!a) out.applied[o] = 0;
        if (a !== e) out.differs[o] = 1;
      } else if (w > 0 && !e) out.differs[o] = 1;
      if (imOut) {
        const seen = im!.visible[i];
        if (!seen) imOut.visible[o] = 0;
        if (imOut.observed) {
          const obs = im!.observed![i];
          if (!obs) imOut.observed[o] = 0;
          if (obs !== seen) imOut.differs[o] = 1;
        }
      }
    }
  }
  return {
    layer: v.layer,
    kind: v.kind,
    queries: Q,
    keys: K,
    q0,
    k0,
    rows,
    cols,
    qStep,
    kStep,
    applied: out.applied,
    expected: out.expected,
    weight: out.weight,
    differs: out.differs,
    differing: cells.differing,
    implied:
      im && imOut
        ? {
            op: im.mask.op.split(' ').pop() ?? im.mask.op,
            node: im.tap.node ?? im.tap.tensor,
            detail: /\((.*)\)$/.exec(im.mask.label)?.[1] ?? '',
            ...imOut,
            differing: im.differing,
            zeroBelow: v.attention?.quantized?.maxError ?? 0,
          }
        : null,
  };
}
