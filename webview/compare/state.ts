/**
 * What the compare view keeps with setState, DOM-free: the comparison itself (it is small, and a view restored
 * after a reload must draw it again without the host), and the heatmap cell picked.
 */
import { type CompareOpenResult } from '../../src/protocol/compare';
import { ATTENTION_KINDS, type AttentionKind } from '../../src/protocol/trace';
import { reviveCompareOpen } from '../../src/panelData/compareReport';
import type { KindGrid } from './model';

export interface CompareUiState {
  open?: CompareOpenResult;
  kind: AttentionKind;
  layer: number;
  head: number;
}

export const defaultState = (): CompareUiState => ({ kind: 'self', layer: 0, head: 0 });

/** Whatever getState returned, kept only where well formed. */
export function readState(raw: unknown): CompareUiState {
  const s = defaultState();
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (ATTENTION_KINDS.includes(r.kind as AttentionKind)) s.kind = r.kind as AttentionKind;
  if (Number.isInteger(r.layer)) s.layer = r.layer as number;
  if (Number.isInteger(r.head) && (r.head as number) >= 0) s.head = r.head as number;
  const open = reviveCompareOpen(r.open);
  if (open) s.open = open;
  return s;
}

/** The state made valid for the grids shown: a kind they have, a layer of it, a head in range. */
export function reconcile(state: CompareUiState, grids: KindGrid[]): CompareUiState {
  const grid = grids.find((g) => g.kind === state.kind) ?? grids[0];
  if (!grid) return state;
  const layer = grid.layers.includes(state.layer) ? state.layer : grid.layers[0];
  const head = Math.max(0, Math.min(grid.heads - 1, state.head));
  return { ...state, kind: grid.kind, layer, head };
}

/** The cell the arrow keys move to (↑↓ layers, ←→ heads), stopping at the edges. */
export function moveCell(state: CompareUiState, grid: KindGrid, dLayer: number, dHead: number): CompareUiState {
  const i = Math.max(0, Math.min(grid.layers.length - 1, grid.layers.indexOf(state.layer) + dLayer));
  return { ...state, layer: grid.layers[i], head: Math.max(0, Math.min(grid.heads - 1, state.head + dHead)) };
}
