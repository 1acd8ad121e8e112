/**
 * What the interventions view keeps with setState, DOM-free: the latest result of each kind (they are small, and a
 * view restored after a reload must draw them again without the host), the ranking's attention kind and the
 * heatmap cells picked.
 */
import { reviveInterventions, type InterventionsOpen } from '../../src/protocol/interventions';
import { ATTENTION_KINDS, type AttentionKind } from '../../src/protocol/trace';

export interface InterventionsUiState {
  open?: InterventionsOpen;
  rankKind: AttentionKind;
  rankCell: { r: number; c: number };
  patchCell: { r: number; c: number };
}

export const defaultState = (): InterventionsUiState => ({ rankKind: 'self', rankCell: { r: 0, c: 0 }, patchCell: { r: 0, c: 0 } });

const cell = (v: unknown): { r: number; c: number } | undefined => {
  if (typeof v !== 'object' || v === null) return undefined;
  const { r, c } = v as Record<string, unknown>;
  return Number.isInteger(r) && Number.isInteger(c) && (r as number) >= 0 && (c as number) >= 0
    ? { r: r as number, c: c as number }
    : undefined;
};

/** Whatever getState returned, kept only where well formed. */
export function readState(raw: unknown): InterventionsUiState {
  const s = defaultState();
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (ATTENTION_KINDS.includes(r.rankKind as AttentionKind)) s.rankKind = r.rankKind as AttentionKind;
  s.rankCell = cell(r.rankCell) ?? s.rankCell;
  s.patchCell = cell(r.patchCell) ?? s.patchCell;
  const open = reviveInterventions(r.open);
  if (open) s.open = open;
  return s;
}
