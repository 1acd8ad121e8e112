/**
 * The view's own state, DOM-free: which run, kind and layer it shows, the mask being edited and the finding
 * picked. It is what getState/setState keep, so the view comes back as it was when it is shown again.
 */
import { type InspectorRun, type InspectorSnapshot } from '../../src/protocol/inspector';
import { ATTENTION_KINDS, type AttentionKind } from '../../src/protocol/trace';

export interface ViewState {
  /** The snapshot sequence the rest belongs to (a new decode starts afresh). */
  seq: number;
  runId: string;
  kind: AttentionKind;
  layer: number;
  /** The mask being edited, one 0/1 per input token; null = the active run's own. */
  pending: number[] | null;
  /** Index into the snapshot's findings. */
  finding: number | null;
}

export function readState(saved: unknown): ViewState | undefined {
  const s = saved as Partial<ViewState> | undefined;
  if (!s || typeof s !== 'object' || !Number.isInteger(s.seq) || typeof s.runId !== 'string') return undefined;
  return {
    seq: s.seq!,
    runId: s.runId,
    kind: ATTENTION_KINDS.includes(s.kind as AttentionKind) ? (s.kind as AttentionKind) : 'self',
    layer: Number.isInteger(s.layer) ? s.layer! : 0,
    pending: Array.isArray(s.pending) && s.pending.every((v) => v === 0 || v === 1) ? s.pending : null,
    finding: Number.isInteger(s.finding) ? s.finding! : null,
  };
}

export const kindsOf = (run: InspectorRun): AttentionKind[] => ATTENTION_KINDS.filter((k) => run.grids.some((g) => g.kind === k));
export const layersOf = (run: InspectorRun, kind: AttentionKind): number[] => run.grids.filter((g) => g.kind === kind).map((g) => g.layer);
export const gridOf = (run: InspectorRun, kind: AttentionKind, layer: number) =>
  run.grids.find((g) => g.kind === kind && g.layer === layer);
export const runOf = (snapshot: InspectorSnapshot, runId: string) => snapshot.runs.find((r) => r.runId === runId) ?? snapshot.runs[0];

/** The state made valid for a snapshot: an existing run, a kind and layer it has, a mask of the right length. */
export function reconcile(state: ViewState | undefined, snapshot: InspectorSnapshot): ViewState {
  const fresh = !state || state.seq !== snapshot.seq;
  const runId = fresh || !snapshot.runs.some((r) => r.runId === state.runId) ? snapshot.activeRunId : state.runId;
  const run = runOf(snapshot, runId);
  const kinds = kindsOf(run);
  // Encoder-decoder models open on the cross attention: it is where the source mask matters most.
  const kind = !fresh && kinds.includes(state.kind) ? state.kind : kinds.includes('cross') ? 'cross' : (kinds[0] ?? 'self');
  const layers = layersOf(run, kind);
  const layer = !fresh && layers.includes(state.layer) ? state.layer : (layers[0] ?? 0);
  const pending = !fresh && state.pending?.length === run.inputTokens.length ? state.pending : null;
  const finding = !fresh && state.finding !== null && state.finding < snapshot.findings.length ? state.finding : null;
  return { seq: snapshot.seq, runId: run.runId, kind, layer, pending, finding };
}

/** The mask the view would rerun with. */
export function maskOf(state: ViewState, run: InspectorRun): number[] {
  return state.pending ?? Array.from(run.inputMask);
}

export function hiddenCount(mask: number[]): number {
  return mask.filter((v) => v === 0).length;
}

/** The cells of a finding on one grid, as [query, key] pairs. */
export function findingCells(
  snapshot: InspectorSnapshot,
  index: number | null,
  runId: string,
  kind: AttentionKind,
  layer: number,
): [number, number][] {
  const f = index === null ? undefined : snapshot.findings[index];
  if (!f || f.runId !== runId) return [];
  const out: [number, number][] = [];
  const k = ATTENTION_KINDS.indexOf(kind);
  for (let i = 0; i < f.cells.length; i += 4) if (f.cells[i] === layer && f.cells[i + 1] === k) out.push([f.cells[i + 2], f.cells[i + 3]]);
  return out;
}

/** Where a finding is best seen: its first cell's kind and layer. */
export function findingPlace(snapshot: InspectorSnapshot, index: number): { runId: string; kind?: AttentionKind; layer?: number } {
  const f = snapshot.findings[index];
  return f.cells.length ? { runId: f.runId, kind: ATTENTION_KINDS[f.cells[1]], layer: f.cells[0] } : { runId: f.runId };
}
