// `decoder-lens occlude --model M [--variant V] (--text STR | --text-file F) [--step K] [--batch N] [--json F]`: how
// the chosen token's probability at step K moves when each input token is hidden in turn (attention mask 0).
import { writeFileSync } from 'node:fs';
import { openModel } from '../core/decode';
import { type Occlusion, occlude } from '../core/interventions';
import { numberFlag, stringFlag, type ParsedArgs } from './args';
import { traceOptions } from './trace';

export async function occludeCommand(
  modelPath: string,
  args: ParsedArgs,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): Promise<Occlusion> {
  const { text } = traceOptions(args);
  const step = numberFlag(args, 'step', (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0 (steps count from 0)') ?? 0;
  const batch = numberFlag(args, 'batch', (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1') ?? 16;
  const model = await openModel(modelPath, stringFlag(args, 'variant') ?? '');
  const occlusion = await occlude(model, null, { text, step, batch });
  const json = stringFlag(args, 'json');
  if (json) writeFileSync(json, JSON.stringify(occlusion));
  else write(occlusionSummary(occlusion));
  return occlusion;
}

/** Each input token with the probability change hiding it causes, in input order. */
export function occlusionSummary(o: Occlusion): string {
  const lines = o.tokens.map(
    (t) =>
      `  ${String(t.index).padStart(4)} ${JSON.stringify(t.text).padEnd(16)} p ${t.prob.toFixed(4)}  Δp ${t.delta >= 0 ? '+' : ''}${t.delta.toFixed(4)}`,
  );
  return (
    `Step ${o.step}: ${JSON.stringify(o.chosen.text)} (id ${o.chosen.id}) p ${o.prob.toFixed(4)}; each input token hidden in turn:\n` +
    `${lines.join('\n')}\n${o.notes.map((n) => `Note: ${n}\n`).join('')}`
  );
}
