/** A readable text summary of a Trace, for `decoder-lens demo` and the terminal. */
import type { AttentionCapture, Trace, TraceToken } from './types';

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
  lines.push('Step  token            p       top 5');
  trace.generated.forEach((g, i) => {
    const top = g.top.map((t) => `${show(t.text)} ${pct(t.prob)}`).join(', ');
    lines.push(`${String(i + 1).padStart(4)}  ${show(g.text).padEnd(14)} ${pct(g.prob).padStart(6)}  ${top}`);
  });
  const selfAttention = trace.attention.filter((a) => a.kind !== 'encoder');
  if (selfAttention.length) {
    lines.push('', 'Most-attended token at the first generated step (mean over heads)');
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

export function mostAttended(a: AttentionCapture, query: number): { key: number; weight: number } {
  let best = { key: 0, weight: -1 };
  for (let k = 0; k < a.keys; k++) {
    let sum = 0;
    for (let h = 0; h < a.heads; h++) sum += a.data[(h * a.queries + query) * a.keys + k];
    const weight = sum / a.heads;
    if (weight > best.weight) best = { key: k, weight };
  }
  return best;
}

const describe = (token: TraceToken | undefined, index: number) => `${show(token?.text ?? '?')} (position ${index})`;
