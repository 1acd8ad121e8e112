/**
 * "Position ids inconsistent with padding", for decoder-only models that compute their own position ids (no
 * position_ids input). Two probe decodes of one step: the prompt with one early token hidden (as padding would
 * be), and the prompt with that token left out. A model that derives positions from the attention mask gives
 * the remaining tokens the same outputs in both; one that counts every slot shifts them.
 */
import type { Trace } from '../trace/types';
import type { Finding, ProbeRequest } from './types';
import { formatWeight, tokenRef, wording } from './wording';

/** Relative change of a hidden-state norm, or absolute change of a top-5 probability, that counts as different. */
export const PADDING_TOLERANCE = 1e-3;

export function planPaddingProbes(trace: Trace, locale?: string): ProbeRequest[] {
  const w = wording(locale);
  const name = (k: number) => w.token(tokenRef(trace, 'self', 'key', k));
  const tokens = trace.input.tokens;
  // Leading special tokens (a BOS) stay; the first real token plays the padding.
  let lead = 0;
  while (lead < tokens.length && tokens[lead].start === null) lead++;
  const cut = tokens[lead + 1]?.start;
  if (trace.model.architecture !== 'decoder-only' || lead + 2 >= tokens.length || cut === null || cut === undefined) return [];
  const mask = tokens.map((_, i) => (i === lead ? 0 : 1));
  const common = { maxNewTokens: 1, useCache: trace.settings.useCache };
  return [
    {
      ...common,
      id: 'padding-hidden',
      text: trace.input.text,
      attentionMask: mask,
      purpose: w.paddingHide(name(lead)),
    },
    { ...common, id: 'padding-removed', text: trace.input.text.slice(cut), purpose: w.paddingLeaveOut(name(lead)) },
  ];
}

/** The finding when the two probes disagree; null when they agree or cannot be compared (say why in `note`). */
export function comparePadding(
  hidden: Trace,
  removed: Trace,
  note: (why: string) => void = () => undefined,
  locale?: string,
): Finding | null {
  const w = wording(locale);
  const name = (k: number) => w.token(tokenRef(hidden, 'self', 'key', k));
  const pad = hidden.input.attentionMask.indexOf(0);
  const ids = hidden.input.tokens.map((t) => t.id);
  const want = [...ids.slice(0, pad), ...ids.slice(pad + 1)];
  const got = removed.input.tokens.map((t) => t.id);
  if (pad < 0 || want.join() !== got.join()) {
    note(w.paddingRetokenized());
    return null;
  }
  const map = (p: number) => (p < pad ? p : p - 1);
  let worst = 0;
  let worstAt = -1;
  for (const h of hidden.hidden) {
    const r = removed.hidden.find((x) => x.layer === h.layer);
    if (!r) continue;
    for (let p = 0; p < ids.length; p++) {
      if (p === pad) continue;
      const a = h.norms[p];
      const b = r.norms[map(p)];
      const change = Math.abs(a - b) / Math.max(1e-6, Math.abs(b));
      if (change > worst) [worst, worstAt] = [change, p];
    }
  }
  const a = hidden.generated[0];
  const b = removed.generated[0];
  const probChange =
    a && b ? Math.max(Math.abs(a.prob - b.prob), ...a.top.map((t) => Math.abs(t.prob - (b.top.find((x) => x.id === t.id)?.prob ?? 0)))) : 0;
  if (worst <= PADDING_TOLERANCE && probChange <= PADDING_TOLERANCE && a?.id === b?.id) return null;
  const stateChanged = worstAt >= 0 && worst > PADDING_TOLERANCE;
  const nextChanged = a && b && (a.id !== b.id || probChange > PADDING_TOLERANCE);
  return {
    check: 'positions',
    severity: 'error',
    message: w.positions({
      hidden: name(pad),
      stateChange: stateChanged ? { token: name(worstAt), change: formatWeight(worst) } : null,
      next: nextChanged
        ? { without: w.nextToken(b.text, formatWeight(b.prob)), withHidden: w.nextToken(a.text, formatWeight(a.prob)) }
        : null,
    }),
    cells: [],
    cellCount: 0,
    evidence: [
      ...(stateChanged
        ? (['padding-hidden', 'padding-removed'] as const).map((run) => ({
            run,
            layer: null,
            kind: null,
            read: 'output' as const,
            tensor: `hidden-state norm at position ${run === 'padding-hidden' ? worstAt : map(worstAt)}`,
            cells: [] as [number, number][],
          }))
        : []),
      ...(nextChanged
        ? (['padding-hidden', 'padding-removed'] as const).map((run) => ({
            run,
            layer: null,
            kind: null,
            read: 'output' as const,
            tensor: 'logits',
            cells: [] as [number, number][],
          }))
        : []),
    ],
    run: 'padding-hidden',
  };
}
