// `decoder-lens bisect --model A [--variant V] --model-b B [--variant-b V] (--text STR | --text-file F)
// [--max-new-tokens N] [--tolerance P] [--json F]`: the first layer where B (a quantized or re-exported A) departs.
import { writeFileSync } from 'node:fs';
import { openModel } from '../core/decode';
import { DecoderLensError } from '../core/errors';
import { type BisectReport, bisect } from '../core/interventions';
import { numberFlag, stringFlag, type ParsedArgs } from './args';
import { traceOptions } from './trace';

export async function bisectCommand(
  modelPath: string,
  args: ParsedArgs,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): Promise<BisectReport> {
  const { text } = traceOptions(args);
  const pathB = stringFlag(args, 'model-b');
  const variantB = stringFlag(args, 'variant-b');
  if (pathB === undefined && variantB === undefined)
    throw new DecoderLensError('bad-input', 'Give the second model: --model-b B and/or --variant-b NAME (another variant of --model).');
  const maxNewTokens = numberFlag(args, 'max-new-tokens', (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1') ?? 16;
  const tolerance = numberFlag(args, 'tolerance', (n) => n >= 0 && n <= 1, 'a probability from 0 to 1') ?? 0.05;
  const modelA = await openModel(modelPath, stringFlag(args, 'variant') ?? '');
  const modelB = await openModel(pathB ?? modelPath, variantB ?? '');
  const report = await bisect(modelA, modelB, { text, maxNewTokens, tolerance });
  const json = stringFlag(args, 'json');
  if (json) writeFileSync(json, JSON.stringify(report));
  else write(bisectSummary(report));
  return report;
}

/** The verdict, then one line per layer. */
export function bisectSummary(r: BisectReport): string {
  const num = (v: number | null, digits: number) => (v === null ? 'n/a' : v.toFixed(digits));
  const lines = r.layers.map(
    (l) =>
      `  layer ${String(l.layer).padEnd(3)} residual error ${num(l.residualError, 4)}  attention JSD ${num(l.attentionJsd, 4)} bits  ` +
      `lens Δp ${num(l.lensDelta, 4)}  ` +
      `spliced: ${l.matchesEverywhere ? 'matches A' : l.restores ? 'restores that step' : 'still differs'}`,
  );
  return (
    `A: ${r.a.file}\nB: ${r.b.file}\n${r.tokens.length} tokens of A's greedy output fed to both (tolerance ${r.tolerance}).\n` +
    `${r.verdict}\n${lines.join('\n')}\n${r.lensUnavailable ? `(no logit lens: ${r.lensUnavailable})\n` : ''}`
  );
}
