/**
 * Traces, findings and comparisons as the Masks view receives them: small parts as JSON, grids and
 * divergences as typed arrays. vscode-free (unit-tested directly).
 */
import {
  expectedVisible,
  impliedOnTrace,
  layerViews,
  maxOverHeads,
  observedVisible,
  type Finding,
  type LayerView,
  type RunComparison,
  type TapFacts,
} from '../../core/masks';
import type { Trace } from '../../core/trace/types';
import { probToByte } from '../../panelData/colorScale';
import { topToken, viewToken } from '../../panelData/fromTrace';
import {
  type InspectorComparison,
  type InspectorFinding,
  type InspectorGrid,
  type InspectorGridRequest,
  type InspectorRun,
  type InspectorRunRole,
  OVERVIEW_CELLS,
} from '../../protocol/inspector';
import { ATTENTION_KINDS } from '../../protocol/trace';
import { english, type Localize } from '../localize';

export function toRun(
  trace: Trace,
  runId: string,
  role: InspectorRunRole,
  label: string,
  taps: readonly TapFacts[] = [],
  overview = OVERVIEW_CELLS,
): InspectorRun {
  return {
    runId,
    role,
    label,
    inputTokens: trace.input.tokens.map(viewToken),
    positions: trace.positions.map(viewToken),
    inputMask: Uint8Array.from(trace.input.attentionMask),
    generated: trace.generated.map(topToken),
    generatedText: trace.generatedText,
    // One layer at a time at full resolution, pooled before the next: a long trace never holds every layer twice.
    grids: layerViews(trace).map((v) => fullGrid(trace, v, taps, { maxRows: overview, maxCols: overview })),
    notes: [...trace.dropped, ...trace.unavailable.map((u) => `${u.node}: ${u.reason}`)],
  };
}

/**
 * One grid of a trace as the view asked for it (see InspectorGridRequest), or null when the trace has no such
 * layer. `cache` keeps the last layer's full-resolution cells, so zooming about one layer reads the heads once.
 */
export function gridOf(
  trace: Trace,
  request: Omit<InspectorGridRequest, 'runId'>,
  taps: readonly TapFacts[] = [],
  cache?: GridCache,
): InspectorGrid | null {
  const hit = cache?.last;
  if (hit && hit.trace === trace && hit.taps === taps && hit.cells.view.kind === request.kind && hit.cells.view.layer === request.layer)
    return pooled(hit.cells, request);
  const v = layerViews(trace).find((g) => g.kind === request.kind && g.layer === request.layer);
  if (!v) return null;
  const cells = layerCells(trace, v, taps);
  if (cache) cache.last = { trace, taps, cells };
  return pooled(cells, request);
}

/** The last layer a view asked for, at full resolution (see gridOf). */
export interface GridCache {
  last?: { trace: Trace; taps: readonly TapFacts[]; cells: LayerCells };
}

/** A layer's cells at full resolution, as the trace gives them (no copy of the trace's own arrays). */
interface LayerCells {
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

function layerCells(trace: Trace, v: LayerView, taps: readonly TapFacts[]): LayerCells {
  const tap = taps.find((t) => t.layer === v.layer && t.kind === v.kind && t.implied);
  const mask = tap?.implied;
  const visible = mask ? impliedOnTrace(trace, v.kind, v.queries, v.keys, mask) : null;
  const applied = v.mask?.visible ?? null;
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

/** One layer's grid of a full-resolution layer (the whole grid, or a block of it), downsampled to the request. */
function fullGrid(trace: Trace, v: LayerView, taps: readonly TapFacts[], request: GridWindow): InspectorGrid {
  return pooled(layerCells(trace, v, taps), request);
}

type GridWindow = Omit<InspectorGridRequest, 'runId' | 'kind' | 'layer'>;

/**
 * The block from (q0, k0) of a layer, downsampled to at most maxRows × maxCols in one pass. Pooling keeps what must
 * not be lost: a block is hidden (applied, expected, implied, observed) when any of its cells is, differs when any
 * cell differs, and carries its largest weight. At full resolution it is the cells themselves (copied: the trace's
 * arrays may be shared with the panel's data service).
 */
function pooled(cells: LayerCells, request: GridWindow): InspectorGrid {
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
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = probToByte(out.weight[i]);
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
    weight: bytes,
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

export function toFinding(f: Finding, runId: string): InspectorFinding {
  const cells = new Int32Array(f.cells.length * 4);
  f.cells.forEach((c, i) => cells.set([c.layer, ATTENTION_KINDS.indexOf(c.kind), c.query, c.key], i * 4));
  return { check: f.check, severity: f.severity, message: f.message, runId, cells, cellCount: f.cellCount };
}

export function toComparison(c: RunComparison, baseRunId: string, otherRunId: string): InspectorComparison {
  return {
    baseRunId,
    otherRunId,
    steps: c.steps,
    firstChanged: c.firstChanged,
    divergence: c.divergence,
  };
}

/** What a rerun hid: "token 3 “ red” hidden" / "2 tokens hidden" / "all tokens shown". */
export function hiddenLabel(trace: Trace, t: Localize = english): string {
  const hidden = trace.input.attentionMask.flatMap((v, i) => (v ? [] : [i]));
  if (hidden.length === 0) return t('all tokens shown');
  if (hidden.length === 1) return t('token {0} “{1}” hidden', hidden[0], trace.input.tokens[hidden[0]]?.text ?? '');
  return t('{0} tokens hidden', hidden.length);
}

/** "Rerun: token 3 “ red” hidden" / "Rerun: 2 tokens hidden" / "Rerun: all tokens shown". */
export function rerunLabel(trace: Trace, t: Localize = english): string {
  return t('Rerun: {0}', hiddenLabel(trace, t));
}
