/**
 * Host ⇄ "Decoder Lens: Interventions" webview: head ranking, occlusion ("Why this token?") and activation
 * patching, drawn as charts. Each result is small plain JSON (no typed arrays), so it crosses whole and the view
 * keeps the latest of each kind with setState; `reviveInterventions` checks what comes back after a reload.
 */
import type { Method } from './rpc';
import { ATTENTION_KINDS, type AttentionKind } from './trace';

// The core's HeadImportance and OccludedToken, restated: their modules load ONNX Runtime, which the webviews'
// type check must not see (the host checks that the core's results fit these shapes where it builds them).

/** One head knocked out: the chosen token's probability with it zeroed, and the drop from the unablated p. */
export interface HeadImportance {
  kind: AttentionKind;
  layer: number;
  head: number;
  prob: number;
  drop: number;
}

/** One input token hidden: the chosen token's probability then, and Δp (negative: the token supported it). */
export interface OccludedToken {
  index: number;
  id: number;
  text: string;
  prob: number;
  delta: number;
}

export type InterventionKind = 'ranking' | 'occlusion' | 'patching';
export const INTERVENTION_KINDS: readonly InterventionKind[] = ['ranking', 'occlusion', 'patching'];

interface ResultBase {
  /** Changes with every run. */
  id: string;
  /** The model folder or file that ran. */
  model: string;
}

/** "Rank Heads": every decoder head zeroed in turn, the drop in the step's chosen token's probability. */
export interface RankingResult extends ResultBase {
  kind: 'ranking';
  step: number;
  chosen: { id: number; text: string };
  prob: number;
  heads: HeadImportance[];
}

/** "Why This Token?": each input token hidden in turn, how the step's chosen token's probability moves. */
export interface OcclusionResult extends ResultBase {
  kind: 'occlusion';
  step: number;
  chosen: { id: number; text: string };
  prob: number;
  tokens: OccludedToken[];
  notes: string[];
}

/** "Patch Activations…": the clean residual after each layer, at each position, patched into the corrupted run. */
export interface PatchingResult extends ResultBase {
  kind: 'patching';
  /** The clean run's next token, the one scored. */
  target: { id: number; text: string };
  cleanProb: number;
  corruptProb: number;
  cleanTokens: string[];
  corruptTokens: string[];
  layers: number[];
  /** [layer][position]: p(target) with that cell patched (null: not a number). */
  probs: (number | null)[][];
  /** [layer][position]: the fraction of the clean probability recovered (null when clean = corrupted). */
  recovered: (number | null)[][];
}

export type InterventionResult = RankingResult | OcclusionResult | PatchingResult;

/** The latest result of each kind (what the view shows, one section each), and which came last. */
export interface InterventionsOpen {
  ranking?: RankingResult;
  occlusion?: OcclusionResult;
  patching?: PatchingResult;
  latest?: InterventionKind;
}

/** Served by the host, asked by the view. */
export type InterventionsHostMethods = {
  /** The results the host holds (null when it has none: the view shows what it saved, if anything). */
  open: Method<Record<string, never>, InterventionsOpen | null>;
  /** Opens a result as a readable text report beside the view. */
  openText: Method<{ id: string }, void>;
};

/** Served by the view, asked by the host. */
export type InterventionsViewMethods = Record<string, never>;

/** What the view last drew for a result (for commands and tests). */
export interface InterventionsRendered {
  id: string;
  kind: InterventionKind;
  /** Heatmap cells drawn (ranking: layer × head over every kind; patching: layer × position; occlusion: 0). */
  cells: number;
  /** The bar chart's bars, in the order drawn: label and value. */
  bars: { label: string; value: number }[];
  /** Ranking: the attention kinds with a heatmap. */
  kinds?: AttentionKind[];
  /** Patching: the heatmap's values as drawn, row-major (layer × position). */
  values?: (number | null)[];
}

export type InterventionsViewEvents = {
  rendered: InterventionsRendered;
};

export type InterventionsHostEvents = {
  /** A new result while the view is live. */
  show: InterventionResult;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isToken = (v: unknown): boolean => isObject(v) && isNum(v.id) && typeof v.text === 'string';
const isNumOrNull = (v: unknown) => v === null || isNum(v);
const isGrid = (v: unknown, rows: number, cols: number) =>
  Array.isArray(v) && v.length === rows && v.every((r) => Array.isArray(r) && r.length === cols && r.every(isNumOrNull));

/** A result from saved state or a message, when it is well formed. */
export function reviveResult(v: unknown): InterventionResult | undefined {
  if (!isObject(v) || typeof v.id !== 'string' || typeof v.model !== 'string') return undefined;
  if (v.kind === 'ranking') {
    const ok =
      isNum(v.step) &&
      isToken(v.chosen) &&
      isNum(v.prob) &&
      Array.isArray(v.heads) &&
      v.heads.every(
        (h) =>
          isObject(h) &&
          ATTENTION_KINDS.includes(h.kind as AttentionKind) &&
          Number.isInteger(h.layer) &&
          Number.isInteger(h.head) &&
          (h.head as number) >= 0 &&
          isNum(h.prob) &&
          isNum(h.drop),
      );
    return ok ? (v as unknown as RankingResult) : undefined;
  }
  if (v.kind === 'occlusion') {
    const ok =
      isNum(v.step) &&
      isToken(v.chosen) &&
      isNum(v.prob) &&
      Array.isArray(v.notes) &&
      v.notes.every((n) => typeof n === 'string') &&
      Array.isArray(v.tokens) &&
      v.tokens.every((t) => isToken(t) && isObject(t) && Number.isInteger(t.index) && isNum(t.prob) && isNum(t.delta));
    return ok ? (v as unknown as OcclusionResult) : undefined;
  }
  if (v.kind === 'patching') {
    const texts = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string');
    if (!texts(v.cleanTokens) || !texts(v.corruptTokens) || !Array.isArray(v.layers) || !v.layers.every(Number.isInteger)) return undefined;
    const rows = v.layers.length;
    const cols = v.cleanTokens.length;
    const ok =
      isToken(v.target) &&
      isNum(v.cleanProb) &&
      isNum(v.corruptProb) &&
      v.corruptTokens.length === cols &&
      isGrid(v.probs, rows, cols) &&
      isGrid(v.recovered, rows, cols);
    return ok ? (v as unknown as PatchingResult) : undefined;
  }
  return undefined;
}

/** The saved results, each kept only when well formed. */
export function reviveInterventions(v: unknown): InterventionsOpen | undefined {
  if (!isObject(v)) return undefined;
  const out: InterventionsOpen = {};
  for (const kind of INTERVENTION_KINDS) {
    const r = reviveResult(v[kind]);
    if (r?.kind === kind) (out as Record<InterventionKind, InterventionResult>)[kind] = r;
  }
  if (INTERVENTION_KINDS.includes(v.latest as InterventionKind) && out[v.latest as InterventionKind])
    out.latest = v.latest as InterventionKind;
  else out.latest = INTERVENTION_KINDS.find((k) => out[k]);
  return out.latest ? out : undefined;
}
