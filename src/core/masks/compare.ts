/**
 * Two runs of one prompt side by side (the original and a rerun with a mask override): how each step's
 * next-token probability moved, how much each layer and head changed where it looks (Jensen–Shannon divergence
 * of attention rows), and the first generated token that changed. A run compared with itself gives zeros.
 */
import type { AttentionCapture, AttentionKind, GeneratedToken, Trace } from '../trace/types';
import { headAveraged, jsd } from '../compare/divergence';
import { attentionQueryRow } from '../trace/attention';

export interface StepDelta {
  step: number;
  /** The token each run chose (null where that run had already stopped). */
  a: { id: number; text: string; prob: number } | null;
  b: { id: number; text: string; prob: number } | null;
  /**
   * p under run B of the token run A chose, minus its p under A. When B's top-k does not hold A's token the
   * delta uses B's smallest shown probability as an upper bound (`bound`).
   */
  delta: number;
  bound: boolean;
  /** The runs chose differently at an earlier step: the contexts differ, the delta compares unlike things. */
  afterChange: boolean;
}

export interface KindDivergence {
  kind: AttentionKind;
  layers: number[];
  heads: number;
  /** [layer][head] mean JSD (bits, 0..1) over the query rows both runs share. */
  mean: Float32Array;
  /** [layer][head] the largest JSD of any shared row. */
  max: Float32Array;
  /** How many query rows were compared. */
  rows: number;
}

export interface RunComparison {
  steps: StepDelta[];
  firstChanged: { step: number; a: string; b: string } | null;
  divergence: KindDivergence[];
}

export function compareRuns(a: Trace, b: Trace): RunComparison {
  const steps: StepDelta[] = [];
  let firstChanged: RunComparison['firstChanged'] = null;
  for (let s = 0; s < Math.max(a.generated.length, b.generated.length); s++) {
    const ga = a.generated[s];
    const gb = b.generated[s];
    const afterChange = firstChanged !== null;
    if (!firstChanged && ga?.id !== gb?.id) firstChanged = { step: s, a: ga?.text ?? '(stopped)', b: gb?.text ?? '(stopped)' };
    const { delta, bound } = ga && gb ? deltaOf(ga, gb) : { delta: 0, bound: false };
    steps.push({ step: s, a: ga ? pick(ga) : null, b: gb ? pick(gb) : null, delta, bound, afterChange });
  }
  return { steps, firstChanged, divergence: divergence(a, b) };
}

function deltaOf(a: GeneratedToken, b: GeneratedToken): { delta: number; bound: boolean } {
  const inB = b.id === a.id ? b.prob : b.top.find((t) => t.id === a.id)?.prob;
  if (inB !== undefined) return { delta: inB - a.prob, bound: false };
  const smallest = b.top.length ? Math.min(...b.top.map((t) => t.prob)) : 0;
  return { delta: smallest - a.prob, bound: true };
}

const pick = (g: GeneratedToken) => ({ id: g.id, text: g.text, prob: g.prob });

/** Query rows whose inputs are the same in both runs: every input row, decoder rows up to the first change. */
function sharedRows(a: Trace, b: Trace, kind: AttentionKind): number {
  if (kind === 'encoder') return Math.min(a.input.tokens.length, b.input.tokens.length);
  let p = 0;
  while (p < a.positions.length && p < b.positions.length && a.positions[p].id === b.positions[p].id) p++;
  return p;
}

function divergence(a: Trace, b: Trace): KindDivergence[] {
  const out: KindDivergence[] = [];
  for (const kind of ['encoder', 'self', 'cross'] as AttentionKind[]) {
    const pairs = a.attention
      .filter((x) => x.kind === kind)
      .map((x) => [x, b.attention.find((y) => y.kind === kind && y.layer === x.layer)] as const)
      .filter((p): p is readonly [AttentionCapture, AttentionCapture] => p[1] !== undefined)
      .sort((p, q) => p[0].layer - q[0].layer);
    if (pairs.length === 0) continue;
    const heads = Math.max(...pairs.map(([x, y]) => (x.heads === y.heads ? x.heads : 1)));
    const rows = Math.min(sharedRows(a, b, kind), ...pairs.map(([x, y]) => Math.min(x.queries, y.queries)));
    const mean = new Float32Array(pairs.length * heads).fill(NaN);
    const max = new Float32Array(pairs.length * heads).fill(NaN);
    pairs.forEach(([x, y], l) => {
      // Runs stored with different head counts (capture-cap averaging) compare their head means.
      const [hx, hy] = x.heads === y.heads ? [x, y] : [headMean(x), headMean(y)];
      const keys = Math.min(hx.keys, hy.keys);
      for (let h = 0; h < hx.heads; h++) {
        let sum = 0;
        let worst = 0;
        for (let q = 0; q < rows; q++) {
          const d = jsdBits(attentionQueryRow(hx, h, q).subarray(0, keys), attentionQueryRow(hy, h, q).subarray(0, keys));
          sum += d;
          worst = Math.max(worst, d);
        }
        mean[l * heads + h] = rows ? sum / rows : 0;
        max[l * heads + h] = worst;
      }
    });
    out.push({ kind, layers: pairs.map(([x]) => x.layer), heads, mean, max, rows });
  }
  return out;
}

function headMean(x: AttentionCapture): AttentionCapture {
  return { ...x, heads: 1, headAveraged: true, data: headAveraged(x), quantized: undefined };
}

/** Jensen–Shannon divergence in bits (0 = same, 1 = disjoint) of two rows; rows with no mass count as equal. */
export function jsdBits(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const d = jsd(p, 0, q, 0, p.length);
  return Number.isNaN(d) ? 0 : Math.min(1, d);
}
