import { readFileSync, writeFileSync } from 'node:fs';
import { decode, openModel } from '../core/decode';
import type { DecodeOptions } from '../core/decode/options';
import type { Strategy } from '../core/decode/sampling';
import { SessionCache } from '../core/decode/sessionCache';
import { DecoderLensError } from '../core/errors';
import { encodeTrace } from '../core/trace/file';
import { writeTraceJson } from '../core/trace/json';
import { summarizeTrace } from '../core/trace/summary';
import type { Trace } from '../core/trace/types';
import { numberFlag, stringFlag, type ParsedArgs } from './args';

const STRATEGIES: Strategy[] = ['greedy', 'top-k', 'top-p'];

export function traceOptions(args: ParsedArgs): Partial<DecodeOptions> & { text: string } {
  const textFile = stringFlag(args, 'text-file');
  const text = textFile !== undefined ? readText(textFile) : stringFlag(args, 'text');
  if (text === undefined) throw new DecoderLensError('bad-input', 'Give the input with --text STR or --text-file FILE.');
  const strategy = stringFlag(args, 'strategy') ?? 'greedy';
  if (!STRATEGIES.includes(strategy as Strategy))
    throw new DecoderLensError('bad-input', `--strategy ${strategy}: expected one of ${STRATEGIES.join(', ')}.`);
  const mask = stringFlag(args, 'attention-mask');
  return {
    text,
    ...definedOnly({
      maxNewTokens: numberFlag(args, 'max-new-tokens', (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0 (0: score the text only)'),
      attentionMask: mask === undefined ? undefined : mask.split(',').map((v) => Number(v.trim())),
      hiddenVectors: args.flags.has('hidden-vectors') || undefined,
    }),
    useCache: !args.flags.has('no-cache'),
    lens: lensOption(args),
    sampling: {
      strategy: strategy as Strategy,
      temperature: numberFlag(args, 'temperature', (n) => n > 0, 'a number above 0') ?? 1,
      topK: numberFlag(args, 'top-k', (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1') ?? 50,
      topP: numberFlag(args, 'top-p', (n) => n > 0 && n <= 1, 'a number in (0, 1]') ?? 0.9,
      seed: numberFlag(args, 'seed', Number.isInteger, 'a whole number') ?? 0,
    },
  };
}

/** Runs a decode and writes what was asked: --out FILE.dltrace, --json FILE.json, else a summary on stdout. */
export async function traceCommand(modelPath: string, args: ParsedArgs): Promise<Trace> {
  const options = traceOptions(args);
  const model = await openModel(modelPath, stringFlag(args, 'variant') ?? '');
  const sessions = new SessionCache();
  try {
    const trace = await decode(model, sessions, options);
    const out = stringFlag(args, 'out');
    const json = stringFlag(args, 'json');
    if (out) writeFileSync(out, encodeTrace(trace));
    if (json) await writeTraceJson(trace, json);
    if (!out && !json) process.stdout.write(summarizeTrace(trace));
    return trace;
  } finally {
    await sessions.clear();
  }
}

/** --lens [--lens-rows last|all] [--lens-k K] (either of the last two implies --lens). */
export function lensOption(args: ParsedArgs): DecodeOptions['lens'] {
  if (!['lens', 'lens-rows', 'lens-k'].some((f) => args.flags.has(f))) return false;
  const rows = stringFlag(args, 'lens-rows') ?? 'last';
  if (rows !== 'last' && rows !== 'all') throw new DecoderLensError('bad-input', `--lens-rows ${rows}: expected last or all.`);
  return { rows, k: numberFlag(args, 'lens-k', (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1') ?? 10 };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new DecoderLensError('not-found', `Could not read --text-file ${file}: ${(error as Error).message}`, file);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
