/**
 * The mask checks over one trace: compare, cell by cell, what each layer really applied (and read) with what
 * the input mask and causality imply, and sort every difference into a finding a person can act on.
 */
import type { AttentionKind, Trace } from '../trace/types';
import { expectedVisible, firstStepRows, isCausal, keyMask, layerViews, maxOverHeads, type LayerView } from './expected';
import { LEAK_THRESHOLD, type CheckId, type Finding, type FindingRun, type MaskCell } from './types';
import { formatWeight, plural, tokenName, whereList } from './wording';

/** Cells kept per layer and kind in a finding (the count keeps them all). */
export const MAX_CELLS_PER_LAYER = 256;

type Bucket = 'leak' | 'future' | 'cross-padding' | 'sees-hidden' | 'hides-visible';

interface Hit extends MaskCell {
  /** The largest attention weight over heads on the cell (0 when no attention was captured). */
  weight: number;
}

/** Every difference of every captured layer, by what kind of difference it is. */
function collect(trace: Trace): Map<Bucket, Hit[]> {
  const buckets = new Map<Bucket, Hit[]>();
  const add = (bucket: Bucket, hit: Hit) => {
    const list = buckets.get(bucket);
    if (list) list.push(hit);
    else buckets.set(bucket, [hit]);
  };
  for (const view of layerViews(trace)) scanLayer(trace, view, add);
  return buckets;
}

function scanLayer(trace: Trace, view: LayerView, add: (bucket: Bucket, hit: Hit) => void): void {
  const { layer, kind, queries, keys } = view;
  const expected = expectedVisible(trace, kind, queries, keys);
  const applied = view.mask?.visible;
  const weights = view.attention ? maxOverHeads(view.attention) : undefined;
  for (let q = 0; q < queries; q++) {
    const row = q * keys;
    // A query with nothing to see (a fully padded row) gets whatever the model does there; nobody reads it.
    if (!expected.subarray(row, row + keys).includes(1)) continue;
    const appliedRowEmpty = applied ? !applied.subarray(row, row + keys).includes(1) : false;
    for (let k = 0; k < keys; k++) {
      const i = row + k;
      const weight = weights ? weights[i] : 0;
      const reads = weight > LEAK_THRESHOLD;
      const hit = { layer, kind, query: q, key: k, weight };
      if (applied && !applied[i] && reads && !appliedRowEmpty) add('leak', hit);
      const sees = applied ? applied[i] === 1 : reads;
      if (!expected[i] && sees) add(isCausal(kind) && k > q ? 'future' : kind === 'cross' ? 'cross-padding' : 'sees-hidden', hit);
      if (expected[i] && applied && !applied[i]) add('hides-visible', hit);
    }
  }
}

export function checkTrace(trace: Trace, run: FindingRun = 'trace'): Finding[] {
  const buckets = collect(trace);
  const findings: Finding[] = [];
  const finding = (check: CheckId, hits: Hit[], message: string) =>
    findings.push({ check, severity: 'error', message, cells: capCells(hits), cellCount: hits.length, run });
  const leak = buckets.get('leak');
  if (leak) {
    const top = strongest(leak);
    finding(
      'leak',
      leak,
      `Attention leaks through the mask: in ${whereList(leak)}, ${plural(leak.length, 'cell')} the applied mask hides still get attention (up to ${formatWeight(top.weight)}), e.g. ${tokenName(trace, top.kind, 'query', top.query)} puts ${formatWeight(top.weight)} on hidden ${tokenName(trace, top.kind, 'key', top.key)}. A hidden key must get exactly 0: the mask value is too weak or is not added before the softmax.`,
    );
  }
  const future = buckets.get('future');
  if (future) {
    const first = future[0];
    finding(
      'causal',
      future,
      `The causal mask is missing: in ${whereList(future)}, ${tokenName(trace, first.kind, 'query', first.query)} sees the later ${tokenName(trace, first.kind, 'key', first.key)} (${plural(future.length, 'cell')} above the diagonal). A decoder must only see earlier tokens; this one reads the future, so it behaves differently than when it generates.`,
    );
  }
  const cross = buckets.get('cross-padding');
  if (cross) {
    const top = strongest(cross);
    finding(
      'cross-padding',
      cross,
      `Cross-attention reads encoder padding: ${hiddenList(trace, 'cross')} hidden by encoder_attention_mask, yet ${whereList(cross)} attend${cross.every((h) => h.layer === cross[0].layer) ? 's' : ''} to ${hiddenCount(trace, 'cross') === 1 ? 'it' : 'them'} (up to ${formatWeight(top.weight)}). The decoder's output then depends on padding: batch it with other lengths and the results change.`,
    );
  }
  const sees = buckets.get('sees-hidden');
  const hides = buckets.get('hides-visible');
  const wrongAxis = sees && hides && onWrongAxis(trace, sees, hides);
  if (wrongAxis) {
    finding(
      'mask-mismatch',
      [...sees, ...hides],
      `The attention_mask is applied on the wrong axis in ${whereList([...sees, ...hides])}: the rows (queries) of ${hiddenList(trace, sees[0].kind)} are hidden instead of their columns (keys), so every other token still reads ${hiddenCount(trace, sees[0].kind) === 1 ? 'it' : 'them'}.`,
    );
  } else if (sees) {
    const top = strongest(sees);
    const read =
      top.weight > LEAK_THRESHOLD
        ? ` and read ${hiddenCount(trace, top.kind) === 1 ? 'it' : 'them'} (up to ${formatWeight(top.weight)})`
        : '';
    finding(
      'mask-mismatch',
      sees,
      `The attention_mask is not applied: ${hiddenList(trace, top.kind)} hidden, but ${whereList(sees)} still let ${plural(sees.length, 'query–key cell')} see ${hiddenCount(trace, top.kind) === 1 ? 'it' : 'them'}${read}. The model ignores its attention_mask${top.kind === 'encoder' ? ' in the encoder' : ''}: padding changes what it computes.`,
    );
  }
  if (hides && !wrongAxis) {
    const alignment = upperLeft(trace, hides);
    const first = hides[0];
    if (alignment) {
      finding(
        'causal-alignment',
        hides,
        `With the KV cache the causal mask is aligned to the upper left, not the bottom right: at each cached step the new token sees only ${alignment} instead of every earlier token (${whereList(hides)}, ${plural(hides.length, 'cell')}). The query of a cached step is the last position: offset the causal mask by the past length.`,
      );
    } else {
      finding(
        'mask-mismatch',
        hides,
        `The applied mask hides ${plural(hides.length, 'cell')} that the input mask${isCausal(first.kind) ? ' and causality' : ''} leave visible (${whereList(hides)}), e.g. ${tokenName(trace, first.kind, 'query', first.query)} cannot see ${tokenName(trace, first.kind, 'key', first.key)}.`,
      );
    }
  }
  return findings;
}

/** Hidden keys of the query row only (a mask built over queries), where the shared axis allows it. */
function onWrongAxis(trace: Trace, sees: Hit[], hides: Hit[]): boolean {
  const kinds = new Set([...sees, ...hides].map((h) => h.kind));
  if (kinds.size !== 1 || kinds.has('cross') || (kinds.has('self') && trace.model.architecture !== 'decoder-only')) return false;
  const m = trace.input.attentionMask;
  return hides.every((h) => m[h.query] === 0) && sees.every((h) => m[h.key] === 0);
}

/**
 * "key 0" when every hidden-but-should-be-visible cell is in a row of a cached step, the first step's rows are
 * right, and each such row keeps only a prefix of its keys: the upper-left alignment of a causal mask.
 */
function upperLeft(trace: Trace, hides: Hit[]): string | null {
  if (!trace.model.kvCache || !hides.every((h) => h.kind === 'self' && h.query >= firstStepRows(trace, 'self'))) return null;
  const lastShown = new Map<string, number>();
  for (const h of hides) {
    const row = `${h.layer}.${h.query}`;
    lastShown.set(row, Math.min(lastShown.get(row) ?? Infinity, h.key - 1));
  }
  // Every hidden cell of a row must lie after the last key it still sees.
  if (!hides.every((h) => h.key > lastShown.get(`${h.layer}.${h.query}`)!)) return null;
  const widest = Math.max(...lastShown.values());
  return widest <= 0 ? 'key 0' : `keys 0 to ${widest}`;
}

function hiddenKeys(trace: Trace, kind: AttentionKind): number[] {
  const m = keyMask(trace, kind, trace.input.attentionMask.length);
  return [...m.keys()].filter((k) => !m[k]);
}

const hiddenCount = (trace: Trace, kind: AttentionKind) => hiddenKeys(trace, kind).length;

/** "source token 2 “ fox” is" / "positions 3 “ red” and 5 “ saw” are". */
function hiddenList(trace: Trace, kind: AttentionKind): string {
  const keys = hiddenKeys(trace, kind);
  const axisKind = kind === 'cross' ? 'cross' : kind;
  const names = keys.slice(0, 4).map((k) => tokenName(trace, axisKind, 'key', k));
  const more = keys.length > 4 ? ` and ${keys.length - 4} more` : '';
  return `${names.join(', ')}${more} ${keys.length === 1 ? 'is' : 'are'}`;
}

function strongest(hits: Hit[]): Hit {
  return hits.reduce((a, b) => (b.weight > a.weight ? b : a));
}

function capCells(hits: Hit[]): MaskCell[] {
  const perLayer = new Map<string, number>();
  const out: MaskCell[] = [];
  for (const { layer, kind, query, key } of hits) {
    const id = `${kind}.${layer}`;
    const n = perLayer.get(id) ?? 0;
    if (n >= MAX_CELLS_PER_LAYER) continue;
    perLayer.set(id, n + 1);
    out.push({ layer, kind, query, key });
  }
  return out;
}
