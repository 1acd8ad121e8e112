/**
 * The interventions as readable text reports (the view's "Open as text"): the head ranking, the occlusion and
 * the patching sweep, in plain columns.
 */
import type { OcclusionResult, PatchingResult, RankingResult } from '../../protocol/interventions';

const pad = (s: string, n: number) => s.padStart(n);

/** Every head sorted by the drop in the chosen token's probability when it is zeroed, then a layer × head table. */
export function rankingText(r: Omit<RankingResult, 'kind' | 'id'>): string {
  const name = (h: { kind: string; layer: number; head: number }) => `${h.kind === 'self' ? '' : `${h.kind} `}L${h.layer}.H${h.head}`;
  const sorted = [...r.heads].sort((a, b) => b.drop - a.drop);
  const lines = [
    `Decoder Lens: head ranking — ${r.model}`,
    `Step ${r.step + 1}: ${JSON.stringify(r.chosen.text)} (id ${r.chosen.id}), p ${r.prob.toFixed(4)} unablated.`,
    `Each head zeroed in turn; drop = p unablated − p with the head zeroed (positive: the head helped). Layers and heads from 0.`,
    '',
    `${'head'.padEnd(16)}${pad('p', 9)}${pad('drop', 10)}`,
    ...sorted.map((h) => `${name(h).padEnd(16)}${pad(h.prob.toFixed(4), 9)}${pad(h.drop.toFixed(4), 10)}`),
  ];
  for (const kind of [...new Set(r.heads.map((h) => h.kind))]) {
    const heads = r.heads.filter((h) => h.kind === kind);
    const width = Math.max(...heads.map((h) => h.head)) + 1;
    lines.push(
      '',
      `Drop by layer × head (${kind} attention):`,
      `${''.padEnd(6)}${Array.from({ length: width }, (_, h) => pad(`H${h}`, 9)).join('')}`,
    );
    for (const layer of [...new Set(heads.map((h) => h.layer))].sort((a, b) => a - b)) {
      const row = Array.from({ length: width }, (_, h) => heads.find((x) => x.layer === layer && x.head === h));
      lines.push(`${`L${layer}`.padEnd(6)}${row.map((x) => pad(x ? x.drop.toFixed(4) : '—', 9)).join('')}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Each input token in order with p hidden and Δp. */
export function occlusionText(o: OcclusionResult): string {
  return (
    [
      `Decoder Lens: why this token? — ${o.model}`,
      `Step ${o.step + 1}: ${JSON.stringify(o.chosen.text)} (id ${o.chosen.id}), p ${o.prob.toFixed(4)} with nothing hidden.`,
      'Each input token hidden in turn (attention mask 0 there); Δp = p hidden − p (negative: the token supported the choice).',
      ...o.notes.map((n) => `Note: ${n}`),
      '',
      `${'#'.padEnd(5)}${'token'.padEnd(20)}${pad('p', 9)}${pad('Δp', 10)}`,
      ...o.tokens.map(
        (t) => `${String(t.index).padEnd(5)}${JSON.stringify(t.text).padEnd(20)}${pad(t.prob.toFixed(4), 9)}${pad(t.delta.toFixed(4), 10)}`,
      ),
    ].join('\n') + '\n'
  );
}

/** The recovered fraction per layer (rows) and position (columns), after the two inputs' tokens. */
export function patchingText(p: PatchingResult): string {
  const cell = (v: number | null) => pad(v === null ? '—' : `${(v * 100).toFixed(1)}%`, 9);
  return (
    [
      `Decoder Lens: activation patching — ${p.model}`,
      `Target ${JSON.stringify(p.target.text)} (id ${p.target.id}): p ${p.cleanProb.toFixed(4)} clean, ${p.corruptProb.toFixed(4)} corrupted.`,
      'Each cell: the clean residual after that layer, at that position, patched into the corrupted run; how much of the clean probability comes back.',
      '',
      ...p.cleanTokens.map(
        (c, i) => `${String(i).padEnd(5)}clean ${JSON.stringify(c).padEnd(16)} corrupted ${JSON.stringify(p.corruptTokens[i])}`,
      ),
      '',
      `${''.padEnd(6)}${p.cleanTokens.map((_, i) => pad(String(i), 9)).join('')}`,
      ...p.layers.map((layer, l) => `${`L${layer}`.padEnd(6)}${p.recovered[l].map(cell).join('')}`),
    ].join('\n') + '\n'
  );
}
