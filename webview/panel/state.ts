/**
 * The panel's selection (kind, layer, head, query) and the rules that keep it valid for a trace, DOM-free.
 * It is what getState/setState keep, so it survives the webview being hidden and the window reloading.
 */
import type { HeadChoice, PanelCaptureInfo, PanelFocus, PanelTraceMeta, PanelUiState } from '../../src/protocol/panel';
import { ATTENTION_KINDS, type AttentionKind } from '../../src/protocol/trace';
import { queryOfStep } from './tokens';

export function defaultState(): PanelUiState {
  return { kind: 'self', layer: 0, head: 'mean', query: 0, encoderQuery: 0, scale: 'sqrt', focusSeq: 0 };
}

/** A saved state read back from getState (anything may be there): kept only where it has the right shape. */
export function readState(saved: unknown): PanelUiState {
  const s = (saved ?? {}) as Partial<PanelUiState>;
  const d = defaultState();
  const int = (v: unknown, fallback: number) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : fallback);
  return {
    ...(typeof s.traceId === 'string' ? { traceId: s.traceId } : {}),
    kind: ATTENTION_KINDS.includes(s.kind as AttentionKind) ? (s.kind as AttentionKind) : d.kind,
    layer: int(s.layer, d.layer),
    head: s.head === 'mean' ? 'mean' : int(s.head, -1) >= 0 ? (s.head as number) : d.head,
    query: int(s.query, d.query),
    encoderQuery: int(s.encoderQuery, d.encoderQuery),
    scale: s.scale === 'linear' ? 'linear' : 'sqrt',
    focusSeq: int(s.focusSeq, 0),
  };
}

export const kindsOf = (meta: PanelTraceMeta): AttentionKind[] => ATTENTION_KINDS.filter((k) => meta.captures.some((c) => c.kind === k));
export const layersOf = (meta: PanelTraceMeta, kind: AttentionKind): PanelCaptureInfo[] =>
  meta.captures.filter((c) => c.kind === kind).sort((a, b) => a.layer - b.layer);
export const captureOf = (meta: PanelTraceMeta, kind: AttentionKind, layer: number) =>
  meta.captures.find((c) => c.kind === kind && c.layer === layer);

/** The heads one can pick in a layer: each stored head, then the mean (only the mean when heads were averaged). */
export function headChoices(capture: PanelCaptureInfo | undefined): HeadChoice[] {
  if (!capture || capture.headAveraged || capture.heads <= 1) return ['mean'];
  return [...Array.from({ length: capture.heads }, (_, h) => h), 'mean'];
}

/** The state made valid for a trace: a kind it has, a captured layer, an existing head, queries in range. */
export function reconcile(state: PanelUiState, meta: PanelTraceMeta): PanelUiState {
  const kinds = kindsOf(meta);
  const kind = kinds.includes(state.kind) ? state.kind : (kinds[0] ?? 'self');
  const layers = layersOf(meta, kind);
  const layer = layers.some((c) => c.layer === state.layer) ? state.layer : (layers[0]?.layer ?? 0);
  const choices = headChoices(captureOf(meta, kind, layer));
  const head = choices.includes(state.head) ? state.head : choices[0];
  const clamp = (v: number, n: number) => Math.max(0, Math.min(Math.max(0, n - 1), v));
  return {
    ...state,
    traceId: meta.traceId,
    kind,
    layer,
    head,
    query: clamp(state.query, meta.positions.length),
    encoderQuery: clamp(state.encoderQuery, meta.inputTokens.length),
  };
}

/** A new trace: start where it is most telling (the query that predicted the first generated token). */
export function freshState(meta: PanelTraceMeta, previous: PanelUiState): PanelUiState {
  return reconcile({ ...defaultState(), scale: previous.scale, focusSeq: previous.focusSeq, query: queryOfStep(meta, 0), layer: -1 }, meta);
}

export function applyFocus(state: PanelUiState, focus: PanelFocus | undefined, meta: PanelTraceMeta, focusSeq: number): PanelUiState {
  const next = { ...state, focusSeq };
  if (focus?.kind) next.kind = focus.kind;
  if (focus?.layer !== undefined) next.layer = focus.layer;
  if (focus?.head !== undefined) next.head = focus.head;
  if (focus?.position !== undefined) next.query = focus.position;
  return reconcile(next, meta);
}

/** Moves the layer within the captured layers of the current kind. */
export function moveLayer(state: PanelUiState, meta: PanelTraceMeta, delta: number): PanelUiState {
  const layers = layersOf(meta, state.kind).map((c) => c.layer);
  const i = Math.max(0, Math.min(layers.length - 1, layers.indexOf(state.layer) + delta));
  return reconcile({ ...state, layer: layers[i] ?? state.layer }, meta);
}

/** Moves the head through the layer's choices (heads, then the mean), stopping at the ends. */
export function moveHead(state: PanelUiState, meta: PanelTraceMeta, delta: number): PanelUiState {
  const choices = headChoices(captureOf(meta, state.kind, state.layer));
  const i = Math.max(0, Math.min(choices.length - 1, choices.indexOf(state.head) + delta));
  return { ...state, head: choices[i] };
}

/** The query of the current kind's axis. */
export const currentQuery = (s: PanelUiState): number => (s.kind === 'encoder' ? s.encoderQuery : s.query);

export function withQuery(s: PanelUiState, axis: 'positions' | 'input', index: number): PanelUiState {
  return axis === 'input' ? { ...s, encoderQuery: index } : { ...s, query: index };
}
