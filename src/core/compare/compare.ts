// Compares two traces of the same input (model A vs model B, or a saved trace): where their generations part,
// how the next-token probabilities move while both still see the same tokens, how each layer's and head's
// attention diverges over those shared positions, and (with lenses) at which layers the predictions move.
import type { LensCapture } from '../lens/outputs';
import type { AttentionKind, GeneratedToken, Trace } from '../trace/types';
import { attentionDivergence } from './divergence';
import type { CompareReport, LensDelta, StepDelta, VocabComparison } from './report';
import { summarize } from './summary';

export type { CompareReport, CompareSideSummary, LensDelta, StepDelta } from './report';

export interface CompareSide {
  trace: Trace;
  label: string;
  lens?: LensCapture;
}

export function compareTraces(a: CompareSide, b: CompareSide, vocabulary: VocabComparison | null = null): CompareReport {
  const byText = vocabulary !== null && !vocabulary.same;
  const same = (x: { id: number; text: string }, y: { id: number; text: string }) => (byText ? x.text === y.text : x.id === y.id);
  const A = a.trace;
  const B = b.trace;
  const notes: string[] = [];
  if (vocabulary && !vocabulary.same) notes.push(vocabulary.note);
  const sameInput = A.input.tokens.length === B.input.tokens.length && A.input.tokens.every((t, i) => same(t, B.input.tokens[i]));
  if (!sameInput) notes.push('The two runs did not tokenize the input the same way: only the shared leading positions are compared.');
  let common = 0;
  while (common < A.positions.length && common < B.positions.length && same(A.positions[common], B.positions[common])) common++;
  if (A.model.architecture !== B.model.architecture) notes.push(`A is ${A.model.architecture}, B is ${B.model.architecture}.`);

  const stepCount = Math.min(A.generated.length, B.generated.length);
  let firstDiff: number | null = null;
  if (sameInput) for (let s = 0; s < stepCount && firstDiff === null; s++) if (!same(A.generated[s], B.generated[s])) firstDiff = s;
  if (sameInput && firstDiff === null && A.generated.length !== B.generated.length)
    notes.push(`A made ${A.generated.length} steps and B ${B.generated.length}; they agree over the steps both made.`);
  const steps: StepDelta[] = [];
  for (let s = 0; s < stepCount; s++)
    steps.push(stepDelta(s, A.generated[s], B.generated[s], sameInput && (firstDiff === null || s <= firstDiff), same));

  const inputCommon = sameInput ? A.input.tokens.length : 0;
  const limit = (kind: AttentionKind) =>
    kind === 'encoder'
      ? { queries: inputCommon, keys: inputCommon }
      : kind === 'cross'
        ? { queries: common, keys: inputCommon > 0 ? Infinity : 0 }
        : { queries: common, keys: common };
  const { layers, notes: attentionNotes } = attentionDivergence(A.attention, B.attention, limit);
  notes.push(...attentionNotes);
  if (A.attention.length === 0 || B.attention.length === 0)
    notes.push('One of the runs captured no attention, so attention is not compared.');
  const lens = a.lens && b.lens ? lensDelta(a.lens, b.lens, common, byText) : null;

  const report: CompareReport = {
    format: 'decoder-lens-compare',
    version: 1,
    a: { label: a.label, model: A.model.path, generatedText: A.generatedText, steps: A.generated.length },
    b: { label: b.label, model: B.model.path, generatedText: B.generatedText, steps: B.generated.length },
    vocabulary,
    commonPositions: common,
    sameInput,
    firstDifferingStep: firstDiff,
    steps,
    attention: layers,
    lens,
    notes,
    summary: '',
  };
  report.summary = summarize(report);
  return report;
}

type Same = (x: { id: number; text: string }, y: { id: number; text: string }) => boolean;

function stepDelta(step: number, a: GeneratedToken, b: GeneratedToken, sameContext: boolean, same: Same): StepDelta {
  const bOfA = same(a, b) ? b.prob : (b.top.find((t) => same(t, a))?.prob ?? null);
  return {
    step,
    sameContext,
    a: { id: a.id, text: a.text, prob: a.prob },
    b: { id: b.id, text: b.text, prob: b.prob },
    bOfA: sameContext ? bOfA : null,
    delta: sameContext && bOfA !== null ? bOfA - a.prob : null,
    topOverlap: a.top.filter((t) => b.top.some((u) => same(t, u))).length,
  };
}

/** Per layer, how far B's lens moved the probability of the token that came next, over shared positions. */
function lensDelta(a: LensCapture, b: LensCapture, common: number, byText: boolean): LensDelta | null {
  const layers = a.layers.filter((l) => b.layers.includes(l));
  // Position p predicts the token at p + 1: compared when both runs saw the same tokens up to p, and the same
  // token came next (shared, or the same id generated last; ids only carry across a shared vocabulary).
  const nextSame = (p: number) => p + 1 < common || (!byText && a.nextIds[a.positions.indexOf(p)] === b.nextIds[b.positions.indexOf(p)]);
  const positions = a.positions.filter((p) => p < common && b.positions.includes(p) && nextSame(p));
  if (layers.length === 0 || positions.length === 0) return null;
  const meanAbsDelta = layers.map((layer) => {
    let sum = 0;
    let count = 0;
    for (const p of positions) {
      const i = a.positions.indexOf(p);
      const j = b.positions.indexOf(p);
      const pa = a.nextProbs[i * a.layers.length + a.layers.indexOf(layer)];
      const pb = b.nextProbs[j * b.layers.length + b.layers.indexOf(layer)];
      if (Number.isNaN(pa) || Number.isNaN(pb)) continue;
      sum += Math.abs(pb - pa);
      count++;
    }
    return count > 0 ? sum / count : NaN;
  });
  return { layers, positions, meanAbsDelta };
}
