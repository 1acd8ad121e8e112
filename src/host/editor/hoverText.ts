/**
 * What the hover says about a decoded token, as Markdown. Pure (no vscode) so it is unit-tested directly.
 * Token text is untrusted: it is escaped, never interpreted as Markdown or HTML.
 */
import { attentionQueryRow } from '../../core/trace/attention';
import type { AttentionCapture, AttentionKind, Trace } from '../../core/trace/types';
import { english, type Localize } from '../localize';

export interface HoverSettings {
  /** -1 for the last layer. */
  layer: number;
  head: number;
  aggregate: 'mean' | 'max' | 'head';
}

/** The input token whose characters cover `offset` (relative to the decoded text), if any. */
export function tokenAt(trace: Trace, offset: number): number | undefined {
  const tokens = trace.input.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.start !== null && t.end !== null && offset >= t.start && offset < t.end) return i;
  }
  return undefined;
}

/** The attention each input token is read with: self (decoder-only) or the encoder's own. */
export function inputAttentionKind(trace: Trace): AttentionKind {
  return trace.model.architecture === 'encoder-decoder' ? 'encoder' : 'self';
}

export function pickLayer(trace: Trace, kind: AttentionKind, layer: number): AttentionCapture | undefined {
  const layers = trace.attention.filter((a) => a.kind === kind);
  if (layers.length === 0) return undefined;
  if (layer < 0) return layers.reduce((a, b) => (b.layer > a.layer ? b : a));
  return layers.find((a) => a.layer === layer);
}

/** One query row, aggregated over heads as the settings say. */
export function attentionRow(a: AttentionCapture, query: number, settings: HoverSettings): Float32Array {
  const row = new Float32Array(a.keys);
  const heads =
    settings.aggregate === 'head' ? [Math.min(Math.max(0, settings.head), a.heads - 1)] : Array.from({ length: a.heads }, (_, h) => h);
  for (const h of heads) {
    const values = attentionQueryRow(a, h, query);
    for (let k = 0; k < a.keys; k++) {
      const w = values[k];
      row[k] = settings.aggregate === 'max' ? Math.max(row[k], w) : row[k] + w / heads.length;
    }
  }
  return row;
}

export function topAttended(row: Float32Array, count: number): { key: number; weight: number }[] {
  return Array.from(row, (weight, key) => ({ key, weight }))
    .sort((a, b) => b.weight - a.weight)
    .slice(0, count);
}

/** Escapes every Markdown and HTML character and makes whitespace visible. */
export function escapeToken(text: string): string {
  if (text === '') return '∅';
  const visible = text.replace(/ /g, '␣').replace(/\t/g, '⇥').replace(/\r/g, '␍').replace(/\n/g, '⏎');
  return visible.replace(/[\\`*_{}[\]()#+\-.!|<>~&"':$]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const pct = (p: number) => (Number.isFinite(p) ? `${(p * 100).toFixed(1)}%` : '—');
const bar = (p: number) => '█'.repeat(Math.max(0, Math.round(p * 10))) + '░'.repeat(Math.max(0, 10 - Math.round(p * 10)));

export interface HoverLinks {
  /** A command URI that opens the panel focused on this token and layer. */
  openPanel(position: number, layer: number): string;
}

export function hoverMarkdown(trace: Trace, index: number, settings: HoverSettings, links: HoverLinks, t: Localize = english): string {
  const token = trace.input.tokens[index];
  const lines: string[] = [];
  lines.push(`**${escapeToken(token.text)}** · id ${token.id}${token.partial ? ` · ${t('part of a character')}` : ''}`, '');
  const prob = trace.inputProbs[index];
  if (Number.isFinite(prob)) {
    lines.push(t('Probability under the model: **{0}** (surprisal {1} bits)', pct(prob), (-Math.log2(prob)).toFixed(2)), '');
    const top = trace.inputTop[index] ?? [];
    if (top.length) lines.push(t('Expected here: {0}', top.map((e) => `${escapeToken(e.text)} ${pct(e.prob)}`).join(' · ')), '');
  } else if (trace.model.architecture === 'decoder-only') {
    lines.push(t('The first token has no probability: nothing comes before it.'), '');
  }
  const kind = inputAttentionKind(trace);
  const layer = pickLayer(trace, kind, settings.layer);
  if (!layer) {
    lines.push(
      trace.dropped.length ? t('Attention not captured: {0}', trace.dropped.join('; ')) : t('No attention was captured for this model.'),
    );
    return lines.join('\n');
  }
  const how =
    settings.aggregate === 'head'
      ? t('head {0}', Math.min(settings.head, layer.heads - 1))
      : settings.aggregate === 'max'
        ? t('max over {0} heads', layer.heads)
        : t('mean over {0} heads', layer.heads);
  lines.push(t('Attends to (layer {0}, {1}):', layer.layer, how), '');
  const keys = kind === 'encoder' ? trace.input.tokens : trace.positions;
  lines.push(`| ${t('token')} | ${t('weight')} | |`, '|---|---|---|');
  // Keys with no weight at all (the causal future) are not "attended to": leave them out of the table.
  for (const { key, weight } of topAttended(attentionRow(layer, index, settings), 5).filter((a) => a.weight > 0)) {
    lines.push(`| ${escapeToken(keys[key]?.text ?? '?')} | ${pct(weight)} | \`${bar(weight)}\` |`);
  }
  lines.push('', `[${t('Open in panel')}](${links.openPanel(index, layer.layer)})`);
  return lines.join('\n');
}

/** The hover of an input token tinted by "Why This Token?": how hiding it moves the chosen token's probability. */
export function occlusionHover(chosen: string, step: number, prob: number, delta: number, t: Localize = english): string {
  const signed = `${delta >= 0 ? '+' : '−'}${(Math.abs(delta) * 100).toFixed(1)}`;
  return t(
    'Hiding this token moves p({0}) at step {1} by {2} points (from {3} to {4}).',
    escapeToken(chosen),
    step + 1,
    signed,
    pct(prob),
    pct(prob + delta),
  );
}
