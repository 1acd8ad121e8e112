import { DecoderLensError } from '../core/errors';

export interface ParsedArgs {
  command: string | undefined;
  flags: Map<string, string | true>;
}

/** `cmd --name value --switch`: a flag followed by another flag (or nothing) is a switch. */
export function parseArgs(argv: string[]): ParsedArgs {
  const [command, ...rest] = argv;
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) throw new DecoderLensError('bad-input', `Unexpected argument "${arg}". Options start with --.`);
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (inline !== undefined) flags.set(name, inline);
    else if (i + 1 < rest.length && !rest[i + 1].startsWith('--')) flags.set(name, rest[++i]);
    else flags.set(name, true);
  }
  return { command, flags };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  if (value === true) throw new DecoderLensError('bad-input', `--${name} needs a value.`);
  return value;
}

export function numberFlag(args: ParsedArgs, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new DecoderLensError('bad-input', `--${name} ${raw}: expected ${what}.`);
  return value;
}
