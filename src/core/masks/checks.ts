/**
 * The mask checks over one trace: compare, cell by cell, what each layer really applied (and read) with what
 * the input mask and causality imply, and sort every difference into a finding a person can act on. Each
 * finding names what it read (evidence). A layer whose kind or layer number was not inferred from the graph's
 * structure is not checked at all: the note says so, rather than risk blaming a correct model.
 */
import type { AttentionKind, Trace } from '../trace/types';
import { expectedVisible, firstStepRows, isCausal, keyMask, layerViews, maxOverHeads, type LayerView } from './expected';
import {
  LEAK_THRESHOLD,
  type CheckContext,
  type CheckId,
  type Evidence,
  type Finding,
  type FindingRun,
  type MaskCell,
  type TapFacts,
} from './types';
import { checkWindow } from './windowCheck';
import { formatWeight, tokenRef, wording, type Wording } from './wording';
import { layerWindow } from './window';
import { maskVisible } from '../trace/masks';

/** Cells kept per layer and kind in a finding (the count keeps them all). */
export const MAX_CELLS_PER_LAYER = 256;
/** Cells named per layer in a finding's evidence. */
const EVIDENCE_CELLS = 4;

type Bucket = 'leak' | 'future' | 'cross-padding' | 'sees-hidden' | 'hides-visible';

interface Hit extends MaskCell {
  /** The largest attention weight over heads on the cell (0 when no attention was captured). */
  weight: number;
}

/** The captured layers the checks may judge: those whose kind and layer the graph's structure established. */
export function checkedViews(trace: Trace, context: CheckContext = {}): LayerView[] {
  const w = wording(context.locale);
  return layerViews(trace).filter((view) => {
    const facts = factsOf(context, view);
    if (!facts || (facts.inferred.kind === 'structure' && facts.inferred.layer === 'structure')) return true;
    context.note?.(
      w.notVerified({
        what: `${w.kindName(view.kind)} (${w.layerList([view.layer])}, ${facts.tensor})`,
        kindBasis: facts.inferred.kind,
        layerBasis: facts.inferred.layer,
      }),
    );
    return false;
  });
}

export function factsOf(context: CheckContext, view: { layer: number; kind: AttentionKind }): TapFacts | undefined {
  return context.taps?.find((t) => t.layer === view.layer && t.kind === view.kind);
}

/** Every difference of every checked layer, by what kind of difference it is. */
function collect(trace: Trace, views: LayerView[]): Map<Bucket, Hit[]> {
  const buckets = new Map<Bucket, Hit[]>();
  const add = (bucket: Bucket, hit: Hit) => {
    const list = buckets.get(bucket);
    if (list) list.push(hit);
    else buckets.set(bucket, [hit]);
  };
  for (const view of views) scanLayer(trace, view, add);
  return buckets;
}

function scanLayer(trace: Trace, view: LayerView, add: (bucket: Bucket, hit: Hit) => void): void {
  const { layer, kind, queries, keys } = view;
  // A sliding window the graph applies is judged by the window check (against config.json), not here.
  const shape = kind === 'self' ? layerWindow(trace, view) : undefined;
  const expected = expectedVisible(trace, kind, queries, keys, shape?.shape === 'band' ? shape : undefined);
  const applied = view.mask ? maskVisible(view.mask) : undefined;
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

export function checkTrace(trace: Trace, run: FindingRun = 'trace', context: CheckContext = {}): Finding[] {
  const w = wording(context.locale);
  const views = checkedViews(trace, context);
  const buckets = collect(trace, views);
  const findings: Finding[] = [];
  const token = (kind: AttentionKind, axis: 'query' | 'key', index: number) => w.token(tokenRef(trace, kind, axis, index));
  const finding = (check: CheckId, hits: Hit[], message: string, reads: ReadWhat) =>
    findings.push({
      check,
      severity: 'error',
      message,
      cells: capCells(hits),
      cellCount: hits.length,
      run,
      evidence: evidenceOf(trace, hits, run, reads, views, context),
    });
  const leak = buckets.get('leak');
  if (leak) {
    const top = strongest(leak);
    const weight = formatWeight(top.weight);
    finding(
      'leak',
      leak,
      w.leak({
        where: w.whereList(leak),
        count: leak.length,
        weight,
        query: token(top.kind, 'query', top.query),
        key: token(top.kind, 'key', top.key),
      }),
      'both',
    );
  }
  const future = buckets.get('future');
  if (future) {
    const first = future[0];
    finding(
      'causal',
      future,
      w.causal({
        where: w.whereList(future),
        query: token(first.kind, 'query', first.query),
        key: token(first.kind, 'key', first.key),
        count: future.length,
      }),
      'applied',
    );
  }
  const cross = buckets.get('cross-padding');
  if (cross) {
    const top = strongest(cross);
    const { names, more } = hiddenNames(trace, w, 'cross');
    finding(
      'cross-padding',
      cross,
      w.crossPadding({
        hidden: names,
        more,
        where: w.whereList(cross),
        singleLayer: cross.every((h) => h.layer === cross[0].layer),
        weight: formatWeight(top.weight),
      }),
      'applied',
    );
  }
  const sees = buckets.get('sees-hidden');
  const hides = buckets.get('hides-visible');
  const wrongAxis = sees && hides && onWrongAxis(trace, sees, hides);
  if (wrongAxis) {
    const { names, more } = hiddenNames(trace, w, sees[0].kind);
    finding('mask-mismatch', [...sees, ...hides], w.wrongAxis({ where: w.whereList([...sees, ...hides]), hidden: names, more }), 'applied');
  } else if (sees) {
    const top = strongest(sees);
    const { names, more } = hiddenNames(trace, w, top.kind);
    finding(
      'mask-mismatch',
      sees,
      w.notApplied({
        hidden: names,
        more,
        where: w.whereList(sees),
        count: sees.length,
        weight: top.weight > LEAK_THRESHOLD ? formatWeight(top.weight) : null,
        encoder: top.kind === 'encoder',
      }),
      'applied',
    );
  }
  if (hides && !wrongAxis) {
    const alignment = upperLeft(trace, hides);
    const first = hides[0];
    if (alignment !== null) {
      finding(
        'causal-alignment',
        hides,
        w.upperLeft({ sees: w.keysUpTo(alignment), where: w.whereList(hides), count: hides.length }),
        'mask',
      );
    } else {
      finding(
        'mask-mismatch',
        hides,
        w.hidesVisible({
          count: hides.length,
          causal: isCausal(first.kind),
          where: w.whereList(hides),
          query: token(first.kind, 'query', first.query),
          key: token(first.kind, 'key', first.key),
        }),
        'mask',
      );
    }
  }
  const window = checkWindow(trace, views, run, context);
  if (window) findings.push(window);
  return findings;
}

/** 'applied': the applied mask when captured, else the attention; 'mask': the mask only; 'both'. */
type ReadWhat = 'applied' | 'mask' | 'both';

/** Per layer and kind of the hits: the tensor read and the first few cells. */
function evidenceOf(trace: Trace, hits: Hit[], run: FindingRun, reads: ReadWhat, views: LayerView[], context: CheckContext): Evidence[] {
  const out: Evidence[] = [];
  const byLayer = new Map<string, Hit[]>();
  for (const h of hits) {
    const key = `${h.kind}.${h.layer}`;
    const list = byLayer.get(key);
    if (list) list.push(h);
    else byLayer.set(key, [h]);
  }
  for (const list of byLayer.values()) {
    const { layer, kind } = list[0];
    const view = views.find((v) => v.layer === layer && v.kind === kind);
    const facts = factsOf(context, { layer, kind });
    const cells = list.slice(0, EVIDENCE_CELLS).map((h): [number, number] => [h.query, h.key]);
    const mask = { run, layer, kind, read: 'mask' as const, tensor: facts?.mask ?? null, cells };
    const attention = { run, layer, kind, read: 'attention' as const, tensor: facts?.tensor ?? null, cells };
    if (reads === 'both') out.push(mask, attention);
    else if (reads === 'mask' || (reads === 'applied' && view?.mask)) out.push(mask);
    else out.push(attention);
  }
  void trace;
  return out;
}

/** Hidden keys of the query row only (a mask built over queries), where the shared axis allows it. */
function onWrongAxis(trace: Trace, sees: Hit[], hides: Hit[]): boolean {
  const kinds = new Set([...sees, ...hides].map((h) => h.kind));
  if (kinds.size !== 1 || kinds.has('cross') || (kinds.has('self') && trace.model.architecture !== 'decoder-only')) return false;
  const m = trace.input.attentionMask;
  return hides.every((h) => m[h.query] === 0) && sees.every((h) => m[h.key] === 0);
}

/**
 * The last key still seen (0 for "key 0") when every hidden-but-should-be-visible cell is in a row of a cached
 * step, the first step's rows are right, and each such row keeps only a prefix of its keys: the upper-left
 * alignment of a causal mask. null otherwise.
 */
function upperLeft(trace: Trace, hides: Hit[]): number | null {
  if (!trace.model.kvCache || !hides.every((h) => h.kind === 'self' && h.query >= firstStepRows(trace, 'self'))) return null;
  const lastShown = new Map<string, number>();
  for (const h of hides) {
    const row = `${h.layer}.${h.query}`;
    lastShown.set(row, Math.min(lastShown.get(row) ?? Infinity, h.key - 1));
  }
  // Every hidden cell of a row must lie after the last key it still sees.
  if (!hides.every((h) => h.key > lastShown.get(`${h.layer}.${h.query}`)!)) return null;
  return Math.max(0, Math.max(...lastShown.values()));
}

function hiddenKeys(trace: Trace, kind: AttentionKind): number[] {
  const m = keyMask(trace, kind, trace.input.attentionMask.length);
  return [...m.keys()].filter((k) => !m[k]);
}

/** The first four hidden keys by name, and how many more. */
function hiddenNames(trace: Trace, w: Wording, kind: AttentionKind): { names: string[]; more: number } {
  const keys = hiddenKeys(trace, kind);
  return { names: keys.slice(0, 4).map((k) => w.token(tokenRef(trace, kind, 'key', k))), more: Math.max(0, keys.length - 4) };
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
