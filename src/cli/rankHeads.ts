// `decoder-lens rank-heads --model M (--text STR | --text-file F) [--step K] [--batch N] [--json F]`: how much the
// chosen token's probability at step K drops when each decoder head is knocked out in turn.
import { writeFileSync } from 'node:fs';
import { openModel } from '../core/decode';
import { DecoderLensError } from '../core/errors';
import { type HeadRanking, rankHeads } from '../core/interventions';
import { numberFlag, stringFlag, type ParsedArgs } from './args';
import { traceOptions } from './trace';

export async function rankHeadsCommand(
  modelPath: string,
  args: ParsedArgs,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): Promise<HeadRanking> {
  const { text } = traceOptions(args);
  const step = numberFlag(args, 'step', (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0 (steps count from 0)') ?? 0;
  const batch = numberFlag(args, 'batch', (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1') ?? 16;
  const model = await openModel(modelPath, stringFlag(args, 'variant') ?? '');
  const ranking = await rankHeads(model, null, { text, step, batch });
  const json = stringFlag(args, 'json');
  if (json) writeFileSync(json, JSON.stringify(ranking));
  else write(rankingSummary(ranking));
  return ranking;
}

/** The heads sorted by how much knocking each out lowers the chosen token's probability. */
export function rankingSummary(r: HeadRanking, top = 10): string {
  if (r.heads.length === 0) throw new DecoderLensError('unsupported', 'The model has no decoder heads Decoder Lens can knock out.');
  const sorted = [...r.heads].sort((a, b) => b.drop - a.drop);
  const lines = sorted
    .slice(0, top)
    .map(
      (h) =>
        `  ${`${h.kind === 'self' ? '' : `${h.kind}:`}${h.layer}.${h.head}`.padEnd(12)} p ${h.prob.toFixed(4)}  drop ${h.drop.toFixed(4)}`,
    );
  return (
    `Step ${r.step}: ${JSON.stringify(r.chosen.text)} (id ${r.chosen.id}) p ${r.prob.toFixed(4)}; ${r.heads.length} heads knocked out one at a time.\n` +
    `Largest drops (layer.head, from 0):\n${lines.join('\n')}\n`
  );
}
