/**
 * Which extra decodes the checks want for a trace, and the findings once they ran. Planning and reading stay
 * pure; the host runs the requests through the worker (and may run none: the trace-only checks still hold).
 */
import type { Trace } from '../trace/types';
import { checkTrace } from './checks';
import { comparePadding, planPaddingProbes } from './positions';
import type { CheckContext, Finding, ProbeRequest, ProbeResult } from './types';
import { tokenRef, wording } from './wording';

export interface ModelFacts {
  /**
   * The decoder takes position_ids as an input (Decoder Lens feeds 0..n-1, so the model cannot get them wrong
   * itself). Unknown: the padding probes are skipped.
   */
  positionIdsInput?: boolean;
  /**
   * The attention ops take sequence lengths, not a mask (GroupQueryAttention's seqlens_k): a token in the middle
   * cannot be hidden, so the mask probe would only show the lengths misaligned. It is not run.
   */
  lengthsOnly?: boolean;
}

/**
 * Facts from a model's files: their input names (the worker's inspectModel lists them) and, where the caller
 * ran findTaps, the op types of their attention (GroupQueryAttention takes lengths, not a mask).
 */
export function factsFromInputs(files: { role: string; inputs: string[]; attentionOps?: string[] }[]): ModelFacts {
  const decoders = files.filter((f) => f.role !== 'encoder');
  if (!decoders.length) return {};
  const lengthsOnly = decoders.some((f) => f.attentionOps?.includes('GroupQueryAttention'));
  return { positionIdsInput: decoders.some((f) => f.inputs.includes('position_ids')), ...(lengthsOnly ? { lengthsOnly } : {}) };
}

/** The token a mask probe hides: an ordinary token near the middle, never the last of a decoder-only prompt. */
export function probeToken(trace: Trace): number {
  const tokens = trace.input.tokens;
  const n = tokens.length;
  const last = trace.model.architecture === 'decoder-only' ? n - 2 : n - 1;
  const middle = Math.floor((n - 1) / 2);
  const candidates = [...Array(Math.max(0, last + 1)).keys()].sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle) || a - b);
  return candidates.find((k) => !tokens[k].special && k > 0) ?? candidates.find((k) => !tokens[k].special) ?? candidates[0] ?? 0;
}

export function planProbes(
  trace: Trace,
  facts: ModelFacts = {},
  locale?: string,
  note: (why: string) => void = () => undefined,
): ProbeRequest[] {
  const w = wording(locale);
  const probes: ProbeRequest[] = [];
  const n = trace.input.tokens.length;
  // A trace that already hides a token shows whether the mask is applied; otherwise hide one.
  if (facts.lengthsOnly) note(w.lengthsOnly());
  else if (n >= 2 && !trace.input.attentionMask.includes(0)) {
    const k = probeToken(trace);
    const kind = trace.model.architecture === 'decoder-only' ? 'self' : 'cross';
    probes.push({
      id: 'mask-probe',
      text: trace.input.text,
      attentionMask: trace.input.tokens.map((_, i) => (i === k ? 0 : 1)),
      maxNewTokens: Math.min(trace.settings.maxNewTokens, 3),
      useCache: trace.settings.useCache,
      purpose: w.probeHide(w.token(tokenRef(trace, kind, 'key', k))),
    });
  }
  if (facts.positionIdsInput === false) probes.push(...planPaddingProbes(trace, locale));
  return probes;
}

/**
 * Every finding for a trace: the checks on the trace itself, then what the probes add (a check already
 * firing on the trace is not repeated from a probe).
 */
export function runChecks(
  trace: Trace,
  probes: ProbeResult[] = [],
  note: (why: string) => void = () => undefined,
  context: CheckContext = {},
): Finding[] {
  const ctx: CheckContext = { ...context, note };
  const findings = checkTrace(trace, 'trace', ctx);
  const seen = new Set(findings.map((f) => f.check));
  const result = (id: ProbeResult['id']) => probes.find((p) => p.id === id);
  const mask = result('mask-probe');
  if (mask && 'trace' in mask) {
    // The probe's notes repeat the trace's (same layers, same window): keep them once.
    for (const f of checkTrace(mask.trace, 'mask-probe', { ...ctx, note: () => undefined })) if (!seen.has(f.check)) findings.push(f);
  } else if (mask && mask.error.code === 'unsupported') {
    findings.push({
      check: 'mask-mismatch',
      severity: 'warning',
      message: wording(context.locale).probeUnsupported(mask.error.message),
      cells: [],
      cellCount: 0,
      run: 'mask-probe',
      evidence: [{ run: 'mask-probe', layer: null, kind: null, read: 'output', tensor: 'attention_mask', cells: [] }],
    });
  } else if (mask) {
    note(wording(context.locale).maskProbeFailed(mask.error.message));
  }
  const hidden = result('padding-hidden');
  const removed = result('padding-removed');
  if (hidden && removed && 'trace' in hidden && 'trace' in removed) {
    const f = comparePadding(hidden.trace, removed.trace, note, context.locale);
    if (f) findings.push(f);
  } else if (hidden || removed) {
    note(wording(context.locale).paddingProbeFailed());
  }
  return findings;
}
