// `decoder-lens patch --model M --clean-text A --corrupt-text B [--batch N] [--json F]`: how much of the clean
// next-token probability comes back when the clean residual stream after each layer, at each position, is patched
// into the corrupted run.
import { writeFileSync } from 'node:fs';
import { openModel } from '../core/decode';
import { DecoderLensError } from '../core/errors';
import { type PatchSweep, patchSweep } from '../core/interventions';
import { numberFlag, stringFlag, type ParsedArgs } from './args';

export async function patchCommand(
  modelPath: string,
  args: ParsedArgs,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): Promise<PatchSweep> {
  const cleanText = stringFlag(args, 'clean-text');
  const corruptText = stringFlag(args, 'corrupt-text');
  if (cleanText === undefined || corruptText === undefined)
    throw new DecoderLensError('bad-input', 'Give both inputs: --clean-text A --corrupt-text B (the same number of tokens).');
  const batch = numberFlag(args, 'batch', (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1') ?? 16;
  const model = await openModel(modelPath, stringFlag(args, 'variant') ?? '');
  const sweep = await patchSweep(model, null, { cleanText, corruptText, batch });
  const json = stringFlag(args, 'json');
  if (json) writeFileSync(json, JSON.stringify({ ...sweep, probs: rows(sweep.probs, sweep), recovered: rows(sweep.recovered, sweep) }));
  else write(patchSummary(sweep));
  return sweep;
}

function rows(values: Float32Array, sweep: PatchSweep): (number | null)[][] {
  const T = sweep.cleanIds.length;
  return sweep.layers.map((_, l) => Array.from(values.subarray(l * T, (l + 1) * T), (v) => (Number.isFinite(v) ? v : null)));
}

/** Per layer, the position whose patch recovers the most, and how much. */
export function patchSummary(s: PatchSweep): string {
  const T = s.cleanIds.length;
  const lines = s.layers.map((layer, l) => {
    let best = 0;
    for (let p = 1; p < T; p++) if (s.recovered[l * T + p] > s.recovered[l * T + best]) best = p;
    return `  layer ${String(layer).padEnd(3)} best position ${String(best).padEnd(4)} p ${s.probs[l * T + best].toFixed(4)}  recovered ${(100 * s.recovered[l * T + best]).toFixed(1)}%`;
  });
  return (
    `Target ${JSON.stringify(s.target.text)} (id ${s.target.id}): p ${s.cleanProb.toFixed(4)} clean, ${s.corruptProb.toFixed(4)} corrupted; ` +
    `${s.layers.length} layers × ${T} positions patched.\n${lines.join('\n')}\n`
  );
}
