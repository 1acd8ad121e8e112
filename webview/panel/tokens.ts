/**
 * Tokens as the panel shows them, DOM-free: visible whitespace, which axis each kind of attention uses, the
 * strip's items, and how generation steps map to query positions.
 */
import type { PanelTraceMeta } from '../../src/protocol/panel';
import type { AttentionKind, ViewToken } from '../../src/protocol/trace';
import { surprisalBits } from '../../src/panelData/stats';
import { t } from '../shared/strings';
import { displayText, formatProb } from '../shared/tokenText';

/** Query and key tokens of one kind of attention. */
export function axisTokens(meta: PanelTraceMeta, kind: AttentionKind): { queries: ViewToken[]; keys: ViewToken[] } {
  if (kind === 'encoder') return { queries: meta.inputTokens, keys: meta.inputTokens };
  if (kind === 'cross') return { queries: meta.positions, keys: meta.inputTokens };
  return { queries: meta.positions, keys: meta.positions };
}

/** The axis a kind's queries live on: the decoder positions, or the input tokens (encoder attention). */
export const queryAxis = (kind: AttentionKind): 'positions' | 'input' => (kind === 'encoder' ? 'input' : 'positions');

/** The position whose output predicted generated token 0. */
function firstStepPosition(meta: PanelTraceMeta): number {
  return meta.model.architecture === 'decoder-only' ? meta.inputTokens.length - 1 : 0;
}

/** The generation step predicted from query position q, or null when q predicted no generated token. */
export function stepOfQuery(meta: PanelTraceMeta, q: number): number | null {
  const s = q - firstStepPosition(meta);
  return s >= 0 && s < meta.generated.length ? s : null;
}

/** The query position that predicted step s (clamped to the positions axis). */
export function queryOfStep(meta: PanelTraceMeta, s: number): number {
  return Math.max(0, Math.min(meta.positions.length - 1, firstStepPosition(meta) + s));
}

export interface StripItem {
  token: ViewToken;
  label: string;
  role: 'input' | 'generated' | 'decoder-start';
  axis: 'positions' | 'input';
  /** The index on `axis` a click selects. */
  select: number;
  /** This token's own index on `axis` (null for the last generated token, which was never fed back). */
  index: number | null;
  /** p of this token (input: given the tokens before it; generated: the chosen-token probability); NaN if unknown. */
  prob: number;
  /** 0 (expected) … 1 (surprising): how strongly to tint it. */
  tint: number;
  title: string;
}

/** Surprisal in bits that gets the full tint (p = 1/1024). */
export const FULL_TINT_BITS = 10;

export function tintOf(prob: number): number {
  const bits = surprisalBits(prob);
  return Number.isFinite(bits) ? Math.min(1, bits / FULL_TINT_BITS) : 0;
}

/** The strip: the input tokens, then (encoder-decoder) the decoder start token, then the generated tokens. */
export function stripItems(meta: PanelTraceMeta): StripItem[] {
  const items: StripItem[] = [];
  const decoderOnly = meta.model.architecture === 'decoder-only';
  const n = meta.inputTokens.length;
  meta.inputTokens.forEach((token, i) => {
    const prob = decoderOnly ? (meta.inputProbs[i] ?? NaN) : NaN;
    items.push(item(token, 'input', decoderOnly ? 'positions' : 'input', i, i, prob, t('token.input', i)));
  });
  if (!decoderOnly && meta.positions[0])
    items.push(item(meta.positions[0], 'decoder-start', 'positions', 0, 0, NaN, t('token.decoderStart')));
  const offset = decoderOnly ? n : 1;
  const last = meta.positions.length - 1;
  meta.generated.forEach((g, s) => {
    const token: ViewToken = { id: g.id, text: g.text, special: meta.positions[offset + s]?.special ?? false };
    const index = offset + s <= last ? offset + s : null;
    // The last token has no query row of its own: clicking it selects the position that predicted it.
    items.push(item(token, 'generated', 'positions', index, index ?? queryOfStep(meta, s), g.prob, t('token.generated', s)));
  });
  return items;
}

function item(
  token: ViewToken,
  role: StripItem['role'],
  axis: StripItem['axis'],
  index: number | null,
  select: number,
  prob: number,
  where: string,
): StripItem {
  const facts = [`${JSON.stringify(token.text)} #${token.id}`, where];
  if (token.special) facts.push(t('token.special'));
  if (token.partial) facts.push(t('token.partial'));
  if (Number.isFinite(prob)) facts.push(t('token.prob', formatProb(prob), surprisalBits(prob).toFixed(2)));
  return { token, label: displayText(token), role, axis, index, select, prob, tint: tintOf(prob), title: facts.join(' · ') };
}
