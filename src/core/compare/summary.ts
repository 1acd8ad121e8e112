// Words for a comparison: the one-line summary of where the change concentrates, and the readable report the
// CLI prints. Steps are counted from 1 here, as the panel and the progress count them (the data's indices are 0-based).
import type { CompareReport } from './report';

const ZERO = 1e-9;
const fmt = (x: number, digits = 3) => (Math.abs(x) < ZERO ? '0' : x.toPrecision(digits));
const quote = (s: string) => JSON.stringify(s);

/** Where the change concentrates, in one line. */
export function summarize(r: CompareReport): string {
  const parts: string[] = [];
  if (r.vocabulary && !r.vocabulary.same) parts.push('Vocabularies differ (tokens compared by text)');
  if (!r.sameInput) parts.push('The inputs tokenize differently');
  if (r.firstDifferingStep !== null) {
    const s = r.steps[r.firstDifferingStep];
    parts.push(`Generations part at step ${s.step + 1} (A ${quote(s.a.text)} p=${fmt(s.a.prob)}, B ${quote(s.b.text)} p=${fmt(s.b.prob)})`);
  } else if (r.sameInput) {
    parts.push('Same generation');
  }
  const before = r.steps.filter(
    (s) => s.sameContext && s.delta !== null && (r.firstDifferingStep === null || s.step < r.firstDifferingStep),
  );
  if (before.length > 0) {
    const worst = before.reduce((m, s) => (Math.abs(s.delta!) > Math.abs(m.delta!) ? s : m));
    parts.push(
      Math.abs(worst.delta!) < ZERO
        ? 'next-token probabilities unchanged'
        : `next-token probabilities move by up to ${fmt(worst.delta!)} (step ${worst.step + 1})`,
    );
  }
  const heads = r.attention.flatMap((l) => l.heads.map((d, h) => ({ layer: l.layer, kind: l.kind, head: h, d })));
  const total = r.attention.reduce((s, l) => s + (Number.isNaN(l.mean) ? 0 : l.mean), 0);
  if (r.attention.length > 0 && total < ZERO) parts.push('attention divergence 0 in every layer and head');
  else if (r.attention.length > 0) {
    const layer = r.attention.reduce((m, l) => (l.mean > m.mean ? l : m));
    const head = heads.reduce((m, h) => (h.d > m.d ? h : m));
    parts.push(
      `attention changes most in layer ${layer.layer}${layer.kind === 'self' ? '' : ` (${layer.kind})`} (${Math.round((100 * layer.mean) / total)}% of the divergence, mean JSD ${fmt(layer.mean)} bits), head ${head.layer}.${head.head} most (${fmt(head.d)})`,
    );
  }
  if (r.lens && r.lens.meanAbsDelta.some((d) => d > ZERO)) {
    const i = r.lens.meanAbsDelta.reduce((m, d, j, all) => (d > all[m] ? j : m), 0);
    parts.push(`the lens moves most at layer ${r.lens.layers[i]} (mean |Δp| ${fmt(r.lens.meanAbsDelta[i])})`);
  }
  return `${parts.join('; ')}.`;
}

/** The report as text: the summary, the steps, and a layer × head table of attention divergence. */
export function formatReport(r: CompareReport): string {
  const lines = [`A: ${r.a.label} → ${quote(r.a.generatedText)}`, `B: ${r.b.label} → ${quote(r.b.generatedText)}`];
  if (r.vocabulary) lines.push(r.vocabulary.note, ...r.vocabulary.examples.map((e) => `  ${e}`));
  lines.push('', r.summary, '', 'step  A token (p)              B token (p)              B p(A token)  Δ');
  for (const s of r.steps) {
    const cell = (t: { text: string; prob: number }) => `${quote(t.text)} (${fmt(t.prob)})`.padEnd(24);
    const mark = r.firstDifferingStep === s.step ? '  ← part here' : s.sameContext ? '' : '  (contexts differ)';
    lines.push(
      `${String(s.step + 1).padStart(4)}  ${cell(s.a)} ${cell(s.b)} ${(s.bOfA === null ? '—' : fmt(s.bOfA)).padEnd(13)} ${s.delta === null ? '—' : fmt(s.delta)}${mark}`,
    );
  }
  if (r.attention.length > 0) {
    lines.push('', `Attention Jensen-Shannon divergence (bits, mean over ${r.attention[0].rows} shared query rows):`);
    for (const l of r.attention)
      lines.push(`  layer ${l.layer} ${l.kind.padEnd(7)} ${l.heads.map((d, h) => `h${h} ${fmt(d)}`).join('  ')}`);
  }
  if (r.lens)
    lines.push(
      '',
      `Lens, mean |Δ p(next token)| per layer: ${r.lens.layers.map((l, i) => `L${l} ${fmt(r.lens!.meanAbsDelta[i])}`).join('  ')}`,
    );
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `Note: ${n}`));
  return `${lines.join('\n')}\n`;
}
