/** Plain-language pieces the findings are written from: token names, layer lists, counts. */
import type { AttentionKind, Trace, TraceToken } from '../trace/types';

const KIND_NAMES: Record<AttentionKind, string> = { self: 'self-attention', cross: 'cross-attention', encoder: 'encoder self-attention' };

export const kindName = (kind: AttentionKind): string => KIND_NAMES[kind];

/** The tokens on a kind's key axis (and, for queries, its query axis). */
export function axisTokens(trace: Trace, kind: AttentionKind, axis: 'query' | 'key'): TraceToken[] {
  if (kind === 'encoder') return trace.input.tokens;
  if (kind === 'cross' && axis === 'key') return trace.input.tokens;
  return trace.positions;
}

/** `token 3 “ red”` (the text quoted as is; findings are shown as text, never markup). */
export function tokenName(trace: Trace, kind: AttentionKind, axis: 'query' | 'key', index: number): string {
  const token = axisTokens(trace, kind, axis)[index];
  const what = kind === 'encoder' || (kind === 'cross' && axis === 'key') ? 'source token' : 'position';
  return token ? `${what} ${index} “${shorten(token.text)}”` : `${what} ${index}`;
}

/** "layer 1" / "layers 0, 1 and 3". */
export function layerList(layers: number[]): string {
  const sorted = [...new Set(layers)].sort((a, b) => a - b);
  if (sorted.length === 1) return `layer ${sorted[0]}`;
  return `layers ${sorted.slice(0, -1).join(', ')} and ${sorted[sorted.length - 1]}`;
}

/** "self-attention of layers 0 and 1, cross-attention of layer 1". */
export function whereList(cells: { layer: number; kind: AttentionKind }[]): string {
  const byKind = new Map<AttentionKind, number[]>();
  for (const c of cells) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c.layer]);
  return [...byKind.entries()].map(([kind, layers]) => `${kindName(kind)} of ${layerList(layers)}`).join(', ');
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function formatWeight(p: number): string {
  return p >= 0.001 ? `${(p * 100).toFixed(p >= 0.1 ? 0 : 1)}%` : p.toExponential(1);
}

function shorten(text: string): string {
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}
