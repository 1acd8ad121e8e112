/** The decode options of a rerun or a probe: the original's settings with another mask (or text). */
import type { DecodeOptions } from '../decode/options';
import type { Trace } from '../trace/types';
import type { ProbeRequest } from './types';

export type RunOptions = Partial<DecodeOptions> & { text: string };

/** The same prompt and settings as `trace`, with `mask` (one 0/1 per input token) as the attention mask. */
export function rerunOptions(trace: Trace, mask: readonly number[]): RunOptions {
  return {
    text: trace.input.text,
    attentionMask: [...mask],
    maxNewTokens: trace.settings.maxNewTokens,
    sampling: trace.settings.sampling,
    useCache: trace.settings.useCache,
    captureMaxBytes: trace.settings.captureMaxBytes,
  };
}

export function probeOptions(trace: Trace, probe: ProbeRequest): RunOptions {
  return {
    text: probe.text,
    ...(probe.attentionMask ? { attentionMask: probe.attentionMask } : {}),
    maxNewTokens: probe.maxNewTokens,
    sampling: trace.settings.sampling,
    useCache: probe.useCache,
    captureMaxBytes: trace.settings.captureMaxBytes,
  };
}

/** Why a mask cannot be rerun, in words; null when it can. */
export function maskProblem(trace: Trace, mask: readonly number[]): string | null {
  if (mask.length !== trace.input.tokens.length)
    return `The mask has ${mask.length} values but the input has ${trace.input.tokens.length} tokens.`;
  if (mask.some((v) => v !== 0 && v !== 1)) return 'The mask may hold only 0 (hidden) and 1 (shown).';
  if (!mask.includes(1)) return 'Every token is hidden: show at least one.';
  return null;
}
