/**
 * The compare view's numbers, DOM-free: the report's attention divergence as one layer × head grid per kind,
 * the colour byte of a divergence, the per-step probability series, and how numbers read.
 */
import { type CompareReport } from '../../src/protocol/compare';
import { ATTENTION_KINDS, type AttentionKind } from '../../src/protocol/trace';
import { t, tn } from '../shared/strings';

/** One kind's divergence as a grid: rows are layers (ascending), columns heads. */
export interface KindGrid {
  kind: AttentionKind;
  layers: number[];
  /** Columns: the most heads any layer of this kind compared. */
  heads: number;
  /** [layer][head] mean JSD in bits; NaN where nothing was compared or the head was not stored. */
  mean: Float64Array;
  /** [layer][head] the largest single-row JSD. */
  maxRow: Float64Array;
  /** Per layer: query rows compared, and how many heads were compared (1 when compared head-averaged). */
  rows: number[];
  stored: number[];
}

export function kindGrids(report: CompareReport): KindGrid[] {
  const grids: KindGrid[] = [];
  for (const kind of ATTENTION_KINDS) {
    const layers = report.attention.filter((l) => l.kind === kind).sort((x, y) => x.layer - y.layer);
    if (!layers.length) continue;
    const heads = Math.max(1, ...layers.map((l) => l.heads.length));
    const mean = new Float64Array(layers.length * heads).fill(NaN);
    const maxRow = new Float64Array(layers.length * heads).fill(NaN);
    layers.forEach((l, i) =>
      l.heads.forEach((d, h) => {
        mean[i * heads + h] = finite(d);
        maxRow[i * heads + h] = finite(l.maxRow[h]);
      }),
    );
    grids.push({
      kind,
      layers: layers.map((l) => l.layer),
      heads,
      mean,
      maxRow,
      rows: layers.map((l) => l.rows),
      stored: layers.map((l) => l.heads.length),
    });
  }
  return grids;
}

/** The largest mean JSD over every grid (0 when there is none or all are 0). */
export function maxJsd(grids: KindGrid[]): number {
  let max = 0;
  for (const g of grids) for (const v of g.mean) if (v > max) max = v;
  return max;
}

/** The colour byte of a divergence on a linear 0..max scale (0 for 0, NaN, or a zero scale). */
export function jsdByte(value: number, max: number): number {
  if (!(value > 0) || !(max > 0)) return 0;
  return Math.max(1, Math.min(255, Math.round((value / max) * 255)));
}

/** Bytes and a "not compared" mask for a grid, in the form paintBytes takes. */
export function gridBytes(grid: KindGrid, max: number): { bytes: Uint8Array; missing: Uint8Array } {
  const bytes = new Uint8Array(grid.mean.length);
  const missing = new Uint8Array(grid.mean.length);
  grid.mean.forEach((v, i) => {
    if (Number.isNaN(v)) missing[i] = 1;
    else bytes[i] = jsdByte(v, max);
  });
  return { bytes, missing };
}

/** What one cell means, in words (the readout under the heatmap). */
export function describeCell(grid: KindGrid, l: number, h: number): string {
  const layer = grid.layers[l];
  const where = t(
    'cell.where',
    layer,
    grid.stored[l] === 1 && grid.heads > 1 ? t('cell.headsAveraged') : t('head.n', h),
    t(`kindInline.${grid.kind}`),
  );
  if (h >= grid.stored[l]) return `${where}: ${t('cell.averaged')}`;
  const v = grid.mean[l * grid.heads + h];
  if (Number.isNaN(v)) return `${where}: ${t('cell.noRow', grid.rows[l])}`;
  return `${where}: ${tn(grid.rows[l], 'cell.jsd.one', 'cell.jsd.other', formatBits(v), formatBits(grid.maxRow[l * grid.heads + h]))}`;
}

/** Bits as people read them: 0 exactly, three significant digits otherwise, a dash when not a number. */
export function formatBits(v: number): string {
  if (Number.isNaN(v)) return '–';
  if (v === 0) return '0';
  return Number(v.toPrecision(3)).toString();
}

/** A signed probability change in percentage points. */
export function formatDelta(d: number | null): string {
  if (d === null || !Number.isFinite(d)) return '–';
  const points = d * 100;
  return `${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points).toFixed(Math.abs(points) >= 10 ? 1 : 2)} pt`;
}

/** The per-step series the probability chart draws; B's values are null after the contexts differ. */
export interface ProbabilitySeries {
  steps: number[];
  aProb: (number | null)[];
  bOfA: (number | null)[];
  delta: (number | null)[];
  /** Steps whose contexts differ (B's values omitted). */
  omitted: number[];
}

export function probabilitySeries(report: CompareReport): ProbabilitySeries {
  const s = report.steps;
  return {
    steps: s.map((x) => x.step),
    aProb: s.map((x) => (Number.isFinite(x.a.prob) ? x.a.prob : null)),
    bOfA: s.map((x) => (x.sameContext && x.bOfA !== null && Number.isFinite(x.bOfA) ? x.bOfA : null)),
    delta: s.map((x) => (x.sameContext && x.delta !== null && Number.isFinite(x.delta) ? x.delta : null)),
    omitted: s.filter((x) => !x.sameContext).map((x) => x.step),
  };
}

const finite = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
