/**
 * The layer bisector's numbers as the compare view shows them, DOM-free: the verdict in the display language
 * (built from the report's fields, not its English line), the per-layer series, and what each splice did.
 */
import type { BisectLayer, BisectReport } from '../../src/protocol/compare';
import { t } from '../shared/strings';

/**
 * The one-line verdict: which layer's splice restores A's output, and the change it undoes. Steps count from 1
 * (as everywhere in the view); token text is quoted as JSON, so spaces and control characters show.
 */
export function bisectVerdict(r: BisectReport): string {
  const d = r.divergence;
  if (!d) {
    const worst = Math.max(0, ...r.probsA.map((p, k) => Math.abs(p - r.probsB[k])));
    return t('compare.bisect.verdictSame', worst.toFixed(4));
  }
  const change =
    t('compare.bisect.change', JSON.stringify(d.token.text), d.probA.toFixed(2), d.probB.toFixed(2), d.step + 1) +
    (d.argmaxB.id !== d.token.id ? t('compare.bisect.picks', JSON.stringify(d.argmaxB.text)) : '');
  if (r.restoredAfter === null) return t('compare.bisect.verdictNone', change, r.layers[r.layers.length - 1]?.layer ?? '–');
  return t('compare.bisect.verdictLayer', r.restoredAfter, change);
}

/** The chart's series, one point per layer (null: not measured). */
export interface BisectSeries {
  layers: number[];
  residual: (number | null)[];
  jsd: (number | null)[];
  lensDelta: (number | null)[];
}

export function bisectSeries(r: BisectReport): BisectSeries {
  const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  return {
    layers: r.layers.map((l) => l.layer),
    residual: r.layers.map((l) => finite(l.residualError)),
    jsd: r.layers.map((l) => finite(l.attentionJsd)),
    lensDelta: r.layers.map((l) => finite(l.lensDelta)),
  };
}

/** What splicing A's residual after this layer into B did. */
export function splicedText(r: BisectReport, l: BisectLayer): string {
  if (l.matchesEverywhere) return t('compare.bisect.matches');
  if (l.restores && r.divergence) return t('compare.bisect.restores', r.divergence.step + 1);
  return t('compare.bisect.differs');
}

/** A number as the table shows it: four decimals, a dash when not measured. */
export const fixed4 = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(4));
