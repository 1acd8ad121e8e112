// Strict command-line parsing: each command declares its options in a table; anything else is a usage error.
import { parseArgs as parseNodeArgs } from 'node:util';
import { DecoderLensError } from '../core/errors';

export type OptionTable = Record<string, { type: 'string' | 'boolean' }>;

export interface CommandSpec {
  /** One or more lines after `decoder-lens `, e.g. `taps --model PATH [--json]`. */
  usage: string;
  options: OptionTable;
}

export interface ParsedArgs {
  command: string | undefined;
  /** The options given: a string option's value, or true for a switch. */
  flags: Map<string, string | true>;
}

/** Bad command-line input: printed with the command's usage line; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** `[command, ...options]`, checked against that command's table (unknown option, missing value, stray word: UsageError). */
export function parseArgs(argv: string[], commands: Record<string, CommandSpec>): ParsedArgs {
  const [command, ...rest] = argv;
  const spec = command === undefined ? undefined : commands[command];
  if (!spec) return { command, flags: new Map() };
  // `decoder-lens trace --help`: the usage, whatever else is on the line.
  if (rest.includes('--help') || rest.includes('-h')) return { command, flags: new Map([['help', true]]) };
  try {
    const { values } = parseNodeArgs({ args: rest, options: spec.options, strict: true, allowPositionals: false });
    const flags = new Map<string, string | true>();
    for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== false) flags.set(name, value as string | true);
    return { command, flags };
  } catch (error) {
    throw new UsageError(plainMessage(error as Error), `decoder-lens ${spec.usage}`);
  }
}

/** Node's messages, shortened: "Unknown option '--x'" → "Unknown option --x." and the like. */
function plainMessage(error: Error): string {
  const first = error.message.split('\n')[0];
  const hint = error.message.includes('argument is ambiguous') ? ` (a value starting with a dash: --name=-value)` : '';
  return first.replace(/'(--?[\w-]+)(?: <value>)?'/g, '$1') + hint + (first.endsWith('.') ? '' : '.');
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  if (value === true) throw new DecoderLensError('bad-input', `--${name} needs a value.`);
  return value;
}

export function numberFlag(args: ParsedArgs, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new DecoderLensError('bad-input', `--${name} ${raw}: expected ${what}.`);
  return value;
}

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;

/** --model PATH [--variant NAME]: shared by every command that opens a model. */
export const MODEL_OPTIONS: OptionTable = { model: str, variant: str };

/** What a decode reads: the input, length, sampling, mask, cache and lens. */
export const DECODE_OPTIONS: OptionTable = {
  text: str,
  'text-file': str,
  'max-new-tokens': str,
  strategy: str,
  temperature: str,
  'top-k': str,
  'top-p': str,
  seed: str,
  'attention-mask': str,
  'no-cache': bool,
  'hidden-vectors': bool,
  lens: bool,
  'lens-rows': str,
  'lens-k': str,
};

export const TRACE_OPTIONS: OptionTable = { ...MODEL_OPTIONS, ...DECODE_OPTIONS, out: str, json: str, ablate: str, 'ablate-mode': str };
/** Activation patching (src/cli/patch.ts). */
export const PATCH_OPTIONS: OptionTable = { ...MODEL_OPTIONS, 'clean-text': str, 'corrupt-text': str, batch: str, json: str };
/** Head ranking (src/cli/rankHeads.ts). */
export const RANK_HEADS_OPTIONS: OptionTable = { ...MODEL_OPTIONS, text: str, 'text-file': str, step: str, batch: str, json: str };
/** Occlusion (src/cli/occlude.ts). */
export const OCCLUDE_OPTIONS: OptionTable = { ...MODEL_OPTIONS, text: str, 'text-file': str, step: str, batch: str, json: str };
/** The quantization / export bisector (src/cli/bisect.ts). */
export const BISECT_OPTIONS: OptionTable = {
  ...MODEL_OPTIONS,
  'model-b': str,
  'variant-b': str,
  text: str,
  'text-file': str,
  'max-new-tokens': str,
  tolerance: str,
  json: str,
};
export const TAPS_OPTIONS: OptionTable = { ...MODEL_OPTIONS, json: bool };
export const CHECK_OPTIONS: OptionTable = { ...MODEL_OPTIONS, ...DECODE_OPTIONS, json: str, locale: str };
export const COMPARE_OPTIONS: OptionTable = {
  ...MODEL_OPTIONS,
  ...DECODE_OPTIONS,
  'model-b': str,
  'variant-b': str,
  'trace-b': str,
  json: str,
  html: str,
  'no-lens': bool,
  bisect: bool,
};
export const DEMO_OPTIONS: OptionTable = { ...DECODE_OPTIONS, report: str };
