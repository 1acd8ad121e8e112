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
  type InspectorImplied,
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
    grids: layerViews(trace).map((v) => pooled(fullGrid(trace, v, taps), { maxRows: overview, maxCols: overview })),
    notes: [...trace.dropped, ...trace.unavailable.map((u) => `${u.node}: ${u.reason}`)],
  };
}

/** One grid of a trace as the view asked for it (see InspectorGridRequest), or null when the trace has no such layer. */
export function gridOf(trace: Trace, request: Omit<InspectorGridRequest, 'runId'>, taps: readonly TapFacts[] = []): InspectorGrid | null {
  const v = layerViews(trace).find((g) => g.kind === request.kind && g.layer === request.layer);
  return v ? pooled(fullGrid(trace, v, taps), request) : null;
}

/** A layer's grid at full resolution (an InspectorGrid with q0 = k0 = 0 and steps of 1). */
function fullGrid(trace: Trace, v: LayerView, taps: readonly TapFacts[]): InspectorGrid {
  const size = v.queries * v.keys;
  const weight = new Uint8Array(size);
  if (v.attention) {
    const max = maxOverHeads(v.attention);
    for (let i = 0; i < size; i++) weight[i] = probToByte(max[i]);
  }
  // A copy: the trace's own array may be shared with the panel's data service.
  const applied = v.mask ? Uint8Array.from(v.mask.visible) : null;
  const expected = expectedVisible(trace, v.kind, v.queries, v.keys);
  const differs = new Uint8Array(size);
  for (let i = 0; i < size; i++) differs[i] = applied ? (applied[i] !== expected[i] ? 1 : 0) : weight[i] > 0 && !expected[i] ? 1 : 0;
  return {
    layer: v.layer,
    kind: v.kind,
    queries: v.queries,
    keys: v.keys,
    q0: 0,
    k0: 0,
    rows: v.queries,
    cols: v.keys,
    qStep: 1,
    kStep: 1,
    applied,
    expected,
    weight,
    differs,
    implied: impliedOf(trace, v, taps),
  };
}

/** The fused op's own mask for this layer, beside the observed zeros; null when its mask is built in the graph. */
function impliedOf(trace: Trace, v: LayerView, taps: readonly TapFacts[]): InspectorImplied | null {
  const tap = taps.find((t) => t.layer === v.layer && t.kind === v.kind && t.implied);
  const mask = tap?.implied;
  const visible = mask ? impliedOnTrace(trace, v.kind, v.queries, v.keys, mask) : null;
  if (!tap || !mask || !visible) return null;
  const observed = v.attention ? observedVisible(v.attention) : null;
  const differs = new Uint8Array(visible.length);
  let differing = 0;
  if (observed) for (let i = 0; i < visible.length; i++) differing += differs[i] = visible[i] !== observed[i] ? 1 : 0;
  return {
    op: mask.op.split(' ').pop() ?? mask.op,
    node: tap.node ?? tap.tensor,
    detail: /\((.*)\)$/.exec(mask.label)?.[1] ?? '',
    visible,
    observed,
    differs,
    differing,
    zeroBelow: v.attention?.quantized?.maxError ?? 0,
  };
}

/**
 * The block from (q0, k0) of a full grid, downsampled to at most maxRows × maxCols. Pooling keeps what must not be
 * lost: a block is hidden (applied, expected, implied, observed) when any of its cells is, differs when any
 * differs, and carries its largest weight.
 */
export function pooled(full: InspectorGrid, request: Omit<InspectorGridRequest, 'runId' | 'kind' | 'layer'>): InspectorGrid {
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(v)));
  const q0 = clamp(request.q0 ?? 0, 0, full.queries - 1);
  const k0 = clamp(request.k0 ?? 0, 0, full.keys - 1);
  const height = clamp(request.rows ?? full.queries, 1, full.queries - q0);
  const width = clamp(request.cols ?? full.keys, 1, full.keys - k0);
  const qStep = Math.ceil(height / clamp(request.maxRows, 1, 1 << 16));
  const kStep = Math.ceil(width / clamp(request.maxCols, 1, 1 << 16));
  if (q0 === 0 && k0 === 0 && height === full.queries && width === full.keys && qStep === 1 && kStep === 1) return full;
  const rows = Math.ceil(height / qStep);
  const cols = Math.ceil(width / kStep);
  const pool = (src: Uint8Array, keep: 'min' | 'max') => {
    const out = new Uint8Array(rows * cols).fill(keep === 'min' ? 255 : 0);
    for (let q = q0; q < q0 + height; q++) {
      const r = Math.floor((q - q0) / qStep) * cols;
      const line = q * full.keys;
      for (let k = k0; k < k0 + width; k++) {
        const o = r + Math.floor((k - k0) / kStep);
        const v = src[line + k];
        if (keep === 'min' ? v < out[o] : v > out[o]) out[o] = v;
      }
    }
    return out;
  };
  const i = full.implied;
  return {
    ...full,
    q0,
    k0,
    rows,
    cols,
    qStep,
    kStep,
    applied: full.applied && pool(full.applied, 'min'),
    expected: pool(full.expected, 'min'),
    weight: pool(full.weight, 'max'),
    differs: pool(full.differs, 'max'),
    implied: i && {
      ...i,
      visible: pool(i.visible, 'min'),
      observed: i.observed && pool(i.observed, 'min'),
      differs: pool(i.differs, 'max'),
    },
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
