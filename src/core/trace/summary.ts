/** A readable text summary of a Trace, for `decoder-lens demo` and the terminal. */
import { attentionQueryRow } from './attention';
import type { AttentionCapture, TopToken, Trace, TraceToken } from './types';

const show = (text: string) => JSON.stringify(text);
const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

export function summarizeTrace(trace: Trace): string {
  const lines: string[] = [];
  const m = trace.model;
  lines.push(
    `Model    ${m.path}`,
    `         ${m.architecture}, ${m.layers} layers × ${m.heads} heads, KV cache ${m.kvCache ? 'on' : 'off'}`,
  );
  lines.push(`Input    ${show(trace.input.text)}`);
  lines.push(`Tokens   ${trace.input.tokens.map((t) => `${show(t.text)}#${t.id}`).join(' ')}`);
  lines.push(
    `Output   ${show(trace.generatedText)}  (${trace.generated.length} tokens, ${({ eos: 'stopped at end of sequence', 'max-new-tokens': 'stopped at max new tokens', scored: 'scored, nothing generated' } as const)[trace.stopReason]})`,
    '',
  );
  const scored = trace.stopReason === 'scored';
  if (scored) lines.push(...scoreLines(trace));
  else {
    lines.push('Step  token            p       top 5');
    trace.generated.forEach((g, i) => {
      const top = g.top.map((t) => `${show(t.text)} ${pct(t.prob)}`).join(', ');
      lines.push(`${String(i + 1).padStart(4)}  ${show(g.text).padEnd(14)} ${pct(g.prob).padStart(6)}  ${top}`);
    });
  }
  const selfAttention = trace.attention.filter((a) => a.kind !== 'encoder');
  if (selfAttention.length) {
    lines.push('', `Most-attended token ${scored ? 'from the last position' : 'at the first generated step'} (mean over heads)`);
    for (const a of selfAttention) {
      const query = a.kind === 'self' && trace.model.architecture === 'decoder-only' ? trace.input.tokens.length - 1 : 0;
      const keys = a.kind === 'cross' ? trace.input.tokens : trace.positions;
      const { key, weight } = mostAttended(a, query);
      lines.push(`  layer ${a.layer} ${a.kind.padEnd(5)}  ${describe(keys[key], key)}  ${pct(weight)}`);
    }
  }
  if (trace.dropped.length) lines.push('', `Not captured: ${trace.dropped.join('; ')}`);
  if (trace.unavailable.length) lines.push('', ...trace.unavailable.map((u) => `Unavailable: ${u.node}: ${u.reason}`));
  return lines.join('\n') + '\n';
}

/**
 * A score (nothing generated): each input token's probability given the tokens before it, its surprisal, what the
 * model expected there, and what it would put next.
 */
function scoreLines(trace: Trace): string[] {
  const lines: string[] = [];
  const tops = (top: TopToken[] | undefined, n: number) =>
    (top ?? [])
      .slice(0, n)
      .map((t) => `${show(t.text)} ${pct(t.prob)}`)
      .join(', ');
  const scoredTokens = trace.input.tokens.some((_, i) => Number.isFinite(trace.inputProbs[i]));
  if (scoredTokens) {
    lines.push(' Pos  token            p       surprisal  expected here');
    trace.input.tokens.forEach((t, i) => {
      const p = trace.inputProbs[i];
      const known = Number.isFinite(p);
      const bits = known ? `${(-Math.log2(p)).toFixed(2)} bits` : '—';
      lines.push(
        `${String(i).padStart(4)}  ${show(t.text).padEnd(14)} ${(known ? pct(p) : '—').padStart(6)}  ${bits.padStart(10)}  ${tops(trace.inputTop[i], 3)}`.trimEnd(),
      );
    });
    const known = trace.input.tokens.map((_, i) => trace.inputProbs[i]).filter((p) => Number.isFinite(p) && p > 0);
    if (known.length) {
      const mean = known.reduce((sum, p) => sum - Math.log2(p), 0) / known.length;
      lines.push(
        `      mean surprisal ${mean.toFixed(2)} bits per token (perplexity ${(2 ** mean).toFixed(2)}) over ${known.length} tokens`,
      );
    }
  } else lines.push('Input token probabilities: not available for this model (encoder-decoder input is encoded, not predicted).');
  lines.push(`Next     ${trace.nextTop?.length ? tops(trace.nextTop, 5) : '(not recorded)'}`);
  return lines;
}

export function mostAttended(a: AttentionCapture, query: number): { key: number; weight: number } {
  let best = { key: 0, weight: -1 };
  const rows = Array.from({ length: a.heads }, (_, h) => attentionQueryRow(a, h, query));
  for (let k = 0; k < a.keys; k++) {
    let sum = 0;
    for (const row of rows) sum += row[k];
    const weight = sum / a.heads;
    if (weight > best.weight) best = { key: k, weight };
  }
  return best;
}

const describe = (token: TraceToken | undefined, index: number) => `${show(token?.text ?? '?')} (position ${index})`;
