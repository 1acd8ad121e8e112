/**
 * A comparison read back from where it was kept as JSON (the compare view's webview state): checked field by
 * field, and the NaNs JSON turned into null restored. Shared by the host (restoring the view after a reload)
 * and the view itself (its own saved state).
 */
import { finiteOrNull, int, isObj, list, str } from './jsonFields';
import {
  type HeadDivergence,
  type LensDelta,
  type CompareOpenResult,
  type CompareSideSummary,
  type StepDelta,
  type CompareReport,
  type VocabComparison,
} from '../protocol/compare';
import type { TopToken } from '../protocol/trace';
import { reviveBisectReport, reviveCompareModels } from './bisectReport';
import { ATTENTION_KINDS, type AttentionKind } from '../protocol/trace';

/** A number, or NaN for what JSON made of one (null) — "not computed". */
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : v === null ? NaN : undefined);

function token(v: unknown): TopToken | undefined {
  if (!isObj(v)) return undefined;
  const id = int(v.id);
  const text = str(v.text);
  const prob = num(v.prob);
  return id === undefined || text === undefined || prob === undefined ? undefined : { id, text, prob };
}

function step(v: unknown): StepDelta | undefined {
  if (!isObj(v)) return undefined;
  const s = int(v.step);
  const a = token(v.a);
  const b = token(v.b);
  const bOfA = finiteOrNull(v.bOfA);
  const delta = finiteOrNull(v.delta);
  const topOverlap = int(v.topOverlap) ?? 0;
  if (s === undefined || !a || !b || bOfA === undefined || delta === undefined || typeof v.sameContext !== 'boolean') return undefined;
  return { step: s, sameContext: v.sameContext, a, b, bOfA, delta, topOverlap };
}

function heads(v: unknown): HeadDivergence | undefined {
  if (!isObj(v)) return undefined;
  const layer = int(v.layer);
  const kind = ATTENTION_KINDS.includes(v.kind as AttentionKind) ? (v.kind as AttentionKind) : undefined;
  const perHead = list(v.heads, num);
  const maxRow = list(v.maxRow, num);
  const mean = num(v.mean);
  const rows = int(v.rows);
  if (layer === undefined || !kind || !perHead || !maxRow || mean === undefined || rows === undefined) return undefined;
  return { layer, kind, heads: perHead, maxRow, mean, rows };
}

function side(v: unknown): CompareSideSummary | undefined {
  if (!isObj(v)) return undefined;
  const label = str(v.label);
  const model = str(v.model);
  const generatedText = str(v.generatedText);
  const steps = int(v.steps);
  return label === undefined || model === undefined || generatedText === undefined || steps === undefined
    ? undefined
    : { label, model, generatedText, steps };
}

function vocabulary(v: unknown): VocabComparison | null | undefined {
  if (v === null) return null;
  if (!isObj(v) || typeof v.same !== 'boolean') return undefined;
  const n = (k: string) => int(v[k]) ?? 0;
  const note = str(v.note);
  const examples = list(v.examples, str) ?? [];
  return note === undefined
    ? undefined
    : { same: v.same, sizeA: n('sizeA'), sizeB: n('sizeB'), moved: n('moved'), onlyA: n('onlyA'), onlyB: n('onlyB'), examples, note };
}

function lens(v: unknown): LensDelta | null | undefined {
  if (v === null || v === undefined) return null;
  if (!isObj(v)) return undefined;
  const layers = list(v.layers, int);
  const positions = list(v.positions, int);
  const meanAbsDelta = list(v.meanAbsDelta, num);
  if (!layers || !positions || !meanAbsDelta || meanAbsDelta.length !== layers.length) return undefined;
  return { layers, positions, meanAbsDelta };
}

/** A report read from JSON, or undefined when it is not one. */
export function reviveCompareReport(v: unknown): CompareReport | undefined {
  if (!isObj(v) || v.format !== 'decoder-lens-compare' || v.version !== 1) return undefined;
  const a = side(v.a);
  const b = side(v.b);
  const vocab = vocabulary(v.vocabulary ?? null);
  const steps = list(v.steps, step);
  const attention = list(v.attention, heads);
  const lensDelta = lens(v.lens);
  const notes = list(v.notes, str);
  const summary = str(v.summary);
  const commonPositions = int(v.commonPositions);
  const first = v.firstDifferingStep === null ? null : int(v.firstDifferingStep);
  if (
    !a ||
    !b ||
    vocab === undefined ||
    !steps ||
    !attention ||
    lensDelta === undefined ||
    !notes ||
    summary === undefined ||
    commonPositions === undefined ||
    first === undefined ||
    typeof v.sameInput !== 'boolean'
  )
    return undefined;
  return {
    format: 'decoder-lens-compare',
    version: 1,
    a,
    b,
    vocabulary: vocab,
    commonPositions,
    sameInput: v.sameInput,
    firstDifferingStep: first,
    steps,
    attention,
    lens: lensDelta,
    notes,
    summary,
  };
}

const TRACE_ID = /^t-[0-9a-z]+-[0-9a-f]{8}$/;
const traceId = (v: unknown): string | null => (typeof v === 'string' && TRACE_ID.test(v) ? v : null);

/** What the view showed, read from JSON (its saved state), or undefined when it is not that. */
export function reviveCompareOpen(v: unknown): CompareOpenResult | undefined {
  if (!isObj(v)) return undefined;
  const compareId = str(v.compareId);
  const report = reviveCompareReport(v.report);
  if (!compareId || !report) return undefined;
  const traces = isObj(v.traces) ? v.traces : {};
  const models = reviveCompareModels(v.models);
  const bisect = reviveBisectReport(v.bisect);
  return {
    compareId,
    report,
    traces: { a: traceId(traces.a), b: traceId(traces.b) },
    ...(models ? { models } : {}),
    ...(bisect ? { bisect } : {}),
  };
}
