// `decoder-lens trace … --ablate L.H[,L.H…] [--ablate-mode zero|mean]`: the trace command's decode with heads
// ablated. Heads are `L.H` (self attention), `cross:L.H` or `encoder:L.H`, from 0.
import { writeFileSync } from 'node:fs';
import { openModel } from '../core/decode';
import { DecoderLensError } from '../core/errors';
import { type AblationMode, type HeadRef, ablate, ablationSessions } from '../core/interventions';
import { encodeTrace } from '../core/trace/file';
import { traceToJson } from '../core/trace/json';
import { summarizeTrace } from '../core/trace/summary';
import type { Trace } from '../core/trace/types';
import { stringFlag, type ParsedArgs } from './args';
import { traceOptions } from './trace';

/** `2.3`, `cross:1.0`, `encoder:0.2`, comma-separated. */
export function parseHeads(list: string): HeadRef[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^(?:(self|cross|encoder):)?(\d+)\.(\d+)$/.exec(item);
      if (!m)
        throw new DecoderLensError(
          'bad-input',
          `--ablate ${item}: expected LAYER.HEAD counted from 0 (e.g. 1.3), or cross:LAYER.HEAD / encoder:LAYER.HEAD.`,
        );
      return { layer: Number(m[2]), head: Number(m[3]), kind: (m[1] ?? 'self') as HeadRef['kind'] };
    });
}

export function ablateArgs(args: ParsedArgs): { heads: HeadRef[]; mode: AblationMode } {
  const list = stringFlag(args, 'ablate');
  if (!list) throw new DecoderLensError('bad-input', '--ablate needs the heads: LAYER.HEAD[,LAYER.HEAD…] (e.g. 0.1,1.3).');
  const mode = stringFlag(args, 'ablate-mode') ?? 'zero';
  if (mode !== 'zero' && mode !== 'mean') throw new DecoderLensError('bad-input', `--ablate-mode ${mode}: expected zero or mean.`);
  return { heads: parseHeads(list), mode };
}

/** Decodes with the heads ablated and writes what was asked (--out, --json; else a summary), like `trace`. */
export async function ablateCommand(
  modelPath: string,
  args: ParsedArgs,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): Promise<Trace> {
  const { heads, mode } = ablateArgs(args);
  const options = traceOptions(args);
  const model = await openModel(modelPath, stringFlag(args, 'variant') ?? '');
  const sessions = ablationSessions(model, mode);
  try {
    const trace = await ablate(model, sessions, { ...options, lens: false, heads, mode });
    const out = stringFlag(args, 'out');
    const json = stringFlag(args, 'json');
    if (out) writeFileSync(out, encodeTrace(trace));
    if (json) writeFileSync(json, JSON.stringify({ ...traceToJson(trace), ablation: trace.ablation }));
    if (!out && !json) {
      const named = heads.map((h) => `${h.kind === 'self' ? '' : `${h.kind}:`}${h.layer}.${h.head}`).join(', ');
      write(`Ablated (${mode}): ${named}\n${summarizeTrace(trace)}`);
    }
    return trace;
  } finally {
    await sessions.clear();
  }
}
