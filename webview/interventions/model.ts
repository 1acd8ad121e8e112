/**
 * The interventions view's numbers, DOM-free: the ranking as one layer × head grid per attention kind, the
 * largest drops in order, the patching sweep as a layer × position grid, signed values as colour bytes on a
 * diverging scale, and how the numbers read.
 */
import type { HeadImportance, PatchingResult, RankingResult } from '../../src/protocol/interventions';
import { ATTENTION_KINDS, type AttentionKind } from '../../src/protocol/trace';

/** A matrix of values, row-major; null where there is no value (a head a layer does not have). */
export interface Grid {
  rows: number;
  cols: number;
  values: (number | null)[];
}

export interface RankingGrid extends Grid {
  kind: AttentionKind;
  layers: number[];
  /** The head at each cell (null where the layer has fewer heads). */
  heads: (HeadImportance | null)[];
}

/** One grid per attention kind the ranking scored: rows are layers (ascending), columns heads. */
export function rankingGrids(r: RankingResult): RankingGrid[] {
  const grids: RankingGrid[] = [];
  for (const kind of ATTENTION_KINDS) {
    const heads = r.heads.filter((h) => h.kind === kind);
    if (!heads.length) continue;
    const layers = [...new Set(heads.map((h) => h.layer))].sort((a, b) => a - b);
    const cols = Math.max(...heads.map((h) => h.head)) + 1;
    const cells: (HeadImportance | null)[] = new Array<HeadImportance | null>(layers.length * cols).fill(null);
    for (const h of heads) cells[layers.indexOf(h.layer) * cols + h.head] = h;
    grids.push({ kind, layers, rows: layers.length, cols, heads: cells, values: cells.map((h) => (h ? h.drop : null)) });
  }
  return grids;
}

/** The `n` heads whose knockout lowers the chosen token's probability most, largest drop first. */
export function largestDrops(r: RankingResult, n = 16): HeadImportance[] {
  return [...r.heads].sort((a, b) => b.drop - a.drop || a.layer - b.layer || a.head - b.head).slice(0, n);
}

/** "L1.H2", with the kind in front when it is not self-attention ("cross L1.H2"). */
export const headName = (h: Pick<HeadImportance, 'kind' | 'layer' | 'head'>): string =>
  `${h.kind === 'self' ? '' : `${h.kind} `}L${h.layer}.H${h.head}`;

/** The patching sweep's recovered fractions as a grid: rows are layers, columns positions. */
export function patchingGrid(p: PatchingResult): Grid {
  return { rows: p.layers.length, cols: p.cleanTokens.length, values: p.recovered.flat() };
}

/** The largest |value| (0 when there is none). */
export function maxAbs(values: (number | null)[]): number {
  let max = 0;
  for (const v of values) if (v !== null && Math.abs(v) > max) max = Math.abs(v);
  return max;
}

/**
 * Colour bytes on a diverging scale: 128 is 0, 255 is +max, 0 is −max (clamped); `missing` is 1 where there is
 * no value.
 */
export function divergingBytes(values: (number | null)[], max: number): { bytes: Uint8Array; missing: Uint8Array } {
  const bytes = new Uint8Array(values.length);
  const missing = new Uint8Array(values.length);
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) missing[i] = 1;
    bytes[i] = valueByte(v ?? 0, max);
  });
  return { bytes, missing };
}

export function valueByte(v: number, max: number): number {
  if (!(max > 0) || !Number.isFinite(v)) return 128;
  return Math.max(0, Math.min(255, Math.round(128 + (127 * v) / max)));
}

/** A probability with four decimals (as the text reports write it). */
export const p4 = (p: number): string => p.toFixed(4);

/** A signed probability difference with four decimals: "+0.0123", "−0.0040". */
export const signed = (d: number): string => (d > 0 ? `+${d.toFixed(4)}` : d < 0 ? `−${(-d).toFixed(4)}` : '0.0000');

/** A fraction as a percentage with one decimal ("–" for none). */
export const percent = (f: number | null): string => (f === null || !Number.isFinite(f) ? '–' : `${(f * 100).toFixed(1)}%`);
