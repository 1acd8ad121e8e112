// Jensen-Shannon divergence between two models' attention, per layer and head, over the query rows both runs
// computed from identical tokens. In bits, so 0 is "the same" and 1 is "disjoint".
import { attentionHead, attentionHeadMean } from '../trace/attention';
import type { AttentionCapture, AttentionKind } from '../trace/types';

export interface HeadDivergence {
  layer: number;
  kind: AttentionKind;
  /** Mean JSD over the compared query rows, per head (one entry when heads were averaged). */
  heads: number[];
  /** The largest single-row JSD per head. */
  maxRow: number[];
  mean: number;
  rows: number;
}

/** JSD in bits between two rows (each renormalised over the keys compared). */
export function jsd(p: ArrayLike<number>, pAt: number, q: ArrayLike<number>, qAt: number, n: number): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    sp += p[pAt + i];
    sq += q[qAt + i];
  }
  if (!(sp > 0) || !(sq > 0)) return NaN;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const a = p[pAt + i] / sp;
    const b = q[qAt + i] / sq;
    const m = 0.5 * (a + b);
    if (a > 0) d += 0.5 * a * Math.log2(a / m);
    if (b > 0) d += 0.5 * b * Math.log2(b / m);
  }
  return Math.max(0, d);
}

/** The capture with its heads averaged (to compare with a capture the byte cap forced to average). */
export function headAveraged(c: AttentionCapture): Float32Array {
  return attentionHeadMean(c);
}

/**
 * Per layer and head, over query rows [0, limit.queries) and keys [0, limit.keys) of each kind. Layers only one
 * side captured are listed in `notes`.
 */
export function attentionDivergence(
  a: AttentionCapture[],
  b: AttentionCapture[],
  limit: (kind: AttentionKind) => { queries: number; keys: number },
): { layers: HeadDivergence[]; notes: string[] } {
  const layers: HeadDivergence[] = [];
  const notes: string[] = [];
  for (const x of a) {
    const y = b.find((c) => c.layer === x.layer && c.kind === x.kind);
    if (!y) {
      notes.push(`${x.kind} attention of layer ${x.layer} was captured for A only`);
      continue;
    }
    const sameHeads = x.heads === y.heads;
    if (!sameHeads) notes.push(`layer ${x.layer} ${x.kind}: ${x.heads} vs ${y.heads} heads stored, compared head-averaged`);
    const heads = sameHeads ? x.heads : 1;
    // One head at a time (a compact capture is decoded head by head, never whole).
    const xMean = sameHeads ? undefined : headAveraged(x);
    const yMean = sameHeads ? undefined : headAveraged(y);
    const { queries, keys } = limit(x.kind);
    const Q = Math.min(queries, x.queries, y.queries);
    const K = Math.min(keys, x.keys, y.keys);
    const perHead: number[] = [];
    const maxRow: number[] = [];
    for (let h = 0; h < heads; h++) {
      const xd = xMean ?? attentionHead(x, h);
      const yd = yMean ?? attentionHead(y, h);
      let sum = 0;
      let count = 0;
      let worst = 0;
      for (let q = 0; q < Q; q++) {
        const d = jsd(xd, q * x.keys, yd, q * y.keys, K);
        if (Number.isNaN(d)) continue;
        sum += d;
        count++;
        worst = Math.max(worst, d);
      }
      perHead.push(count > 0 ? sum / count : NaN);
      maxRow.push(worst);
    }
    layers.push({
      layer: x.layer,
      kind: x.kind,
      heads: perHead,
      maxRow,
      mean: perHead.reduce((s, v) => s + v, 0) / perHead.length,
      rows: Q,
    });
  }
  for (const y of b)
    if (!a.some((c) => c.layer === y.layer && c.kind === y.kind))
      notes.push(`${y.kind} attention of layer ${y.layer} was captured for B only`);
  return { layers, notes };
}
