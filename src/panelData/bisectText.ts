/** The layer bisector's report as readable text: what the compare view's text report and standalone page append. */
import type { BisectReport } from '../protocol/compare';

const fixed = (v: number | null, digits: number) => (v === null ? 'n/a' : v.toFixed(digits));

/** The verdict, then one line per layer (residual error, attention JSD, lens Δp, what splicing A's residual did). */
export function formatBisect(r: BisectReport): string {
  const lines = r.layers.map(
    (l) =>
      `  layer ${String(l.layer).padEnd(3)} residual error ${fixed(l.residualError, 4)}  attention JSD ${fixed(l.attentionJsd, 4)} bits  ` +
      `lens Δp ${fixed(l.lensDelta, 4)}  spliced: ${l.matchesEverywhere ? 'matches A' : l.restores ? 'restores that step' : 'still differs'}`,
  );
  return (
    `Layer bisector (A's residual stream spliced into B after each layer; ${r.tokens.length} tokens of A's greedy output, tolerance ${r.tolerance}):\n` +
    `${r.verdict}\n${lines.join('\n')}\n${r.lensUnavailable ? `(no logit lens: ${r.lensUnavailable})\n` : ''}`
  );
}
