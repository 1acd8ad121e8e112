// findTaps: what a person debugging this model wants to see, per layer, wherever it lives in the graph
// (top level or inside the branches of Optimum's merged-decoder If, where each layer appears once per branch).
import { type FoundAttention, type InferenceBasis, type MaskRef, type NodeEdit, findSoftmaxAttention, kindBasisOf } from './attention';
import { type Unavailable, findFusedAttention } from './fused';
import { type BranchStep, GraphView } from './graphView';
import { type FoundHidden, findHiddenStates } from './hidden';
import type { MaskOrigin } from './mask';
import type { MaskKind } from './scorePath';
import type { ImpliedMask, ModelInfo } from './types';

export type ModelRole = 'decoder' | 'decoder-with-past' | 'decoder-merged' | 'encoder' | 'unknown';

/** One place a tap's tensor lives: the top-level graph (empty branchPath) or a branch of an If. */
export interface TapSite {
  tensor: string;
  node: string;
  branchPath: BranchStep[];
  /** A change to the node that makes the tensor (fused ops, SkipLayerNormalization), applied by surgery. */
  edit?: NodeEdit;
  nodeIndex: number;
}

export interface AttentionSite extends TapSite {
  heads: number | null;
  mask: MaskRef | null;
  /** Every operand added to the scores on the way to the Softmax, nearest first. */
  masks: MaskRef[];
}

export interface AttentionTap {
  /** Stable key, e.g. 'attn.self.0'. */
  id: string;
  /** The probabilities tensor, as the graph names it (inside its branch when lifted). */
  tensor: string;
  layer: number;
  kind: 'self' | 'cross';
  heads: number | null;
  /** The effective mask tensor (the operand added before the Softmax that derives from a mask input or causal construction). */
  mask: string | null;
  maskKind: MaskKind | null;
  maskOrigins: MaskOrigin[];
  /**
   * Every mask applied on the way to the Softmax that derives from a mask input or a causal construction, nearest
   * first (`mask` is the first). GPT-2 style exports apply two: a causal Where and an additive padding mask.
   */
  masks: MaskRef[];
  node: string;
  opType: string;
  source: 'softmax' | 'fused';
  branchPath?: BranchStep[];
  /** One per place the layer appears (two in a merged decoder: then/else branch). */
  sites: AttentionSite[];
  /** How `kind` and `layer` were inferred (checks trust only 'structure'). */
  inferred: { kind: InferenceBasis; layer: InferenceBasis };
  /** Fused ops: the mask their kernel applies inside itself, as their inputs and attributes imply it. */
  implied?: ImpliedMask;
}

export interface HiddenStateTap {
  /** Stable key, e.g. 'hidden.0'. */
  id: string;
  tensor: string;
  layer: number;
  source: FoundHidden['source'];
  node: string;
  branchPath?: BranchStep[];
  sites: TapSite[];
}

export interface TapReport {
  role: ModelRole;
  attention: AttentionTap[];
  hiddenStates: HiddenStateTap[];
  logits: string | null;
  unavailable: Unavailable[];
}

const SUBGRAPH_OPS_LIFTABLE = new Set(['If']);

export function findTaps(model: ModelInfo): TapReport {
  const opset = model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
  const unavailable: Unavailable[] = [];
  const attention: Layered[] = [];
  const hidden: FoundHidden[] = [];

  const visit = (view: GraphView, liftable: boolean) => {
    const here = [...findSoftmaxAttention(view), ...findFusedAttention(view, unavailable)];
    if (!liftable) {
      for (const f of here)
        unavailable.push({
          node: f.node.name || f.node.opType,
          reason: 'it is inside a Loop or Scan body, whose tensors ONNX Runtime cannot return',
        });
    } else {
      const layered = assignLayers(view, here);
      attention.push(...layered);
      hidden.push(
        ...findHiddenStates(
          view,
          layered.map((a) => ({ node: a.found.node, layer: a.layer, scopePrefix: a.found.scope?.prefix ?? null })),
        ),
      );
    }
    for (const node of view.graph.nodes) {
      for (const [attr, g] of Object.entries(node.subgraphs)) {
        const step: BranchStep = { node: node.name, nodeIndex: node.index, opType: node.opType, attribute: attr };
        visit(new GraphView(g, view, [...view.path, step], opset), liftable && SUBGRAPH_OPS_LIFTABLE.has(node.opType));
      }
    }
  };
  visit(new GraphView(model.graph, null, [], opset), true);

  return {
    role: roleOf(model),
    attention: groupAttention(attention),
    hiddenStates: groupHidden(hidden),
    logits: logitsOf(model),
    unavailable,
  };
}

const BASIS_RANK: Record<InferenceBasis, number> = { structure: 0, scope: 1, order: 2, assumed: 3 };

interface Layered {
  found: FoundAttention;
  layer: number;
  layerBasis: InferenceBasis;
}

/**
 * Layer numbers, by structure first: an attention's layer is how many attentions of its kind lie upstream of it
 * in the data flow (so the self and cross attention of one decoder block share a number whatever the node
 * order). Scope names (`layers.N`) confirm it, or stand in when the data flow is ambiguous (parallel attentions);
 * node order is the last resort.
 */
function assignLayers(view: GraphView, found: FoundAttention[]): Layered[] {
  if (found.length === 0) return [];
  const structural = upstreamCounts(view, found);
  const perKindUnique = (layers: (number | null)[]) => {
    const keys = found.map((f, i) => (layers[i] === null ? null : `${f.kind}.${layers[i]}`));
    return keys.every((k) => k !== null) && new Set(keys).size === keys.length;
  };
  const scoped = found.map((f) => f.scope?.index ?? null);
  if (structural && perKindUnique(structural)) {
    // The model's own numbering (layers.N) where the data flow confirms it (a hybrid model's first attention
    // may be its layers.1); else the count.
    const numbers = perKindUnique(scoped) && sameOrder(structural, scoped) ? (scoped as number[]) : structural;
    return found.map((f, i) => ({ found: f, layer: numbers[i], layerBasis: 'structure' }));
  }
  if (perKindUnique(scoped)) return found.map((f, i) => ({ found: f, layer: scoped[i]!, layerBasis: 'scope' }));
  const next = { self: 0, cross: 0 };
  return [...found]
    .sort((a, b) => a.node.index - b.node.index)
    .map((f) => ({ found: f, layer: next[f.kind]++, layerBasis: 'order' as const }));
}

/** Whether `b` numbers the items as `a` does: equal where `a` is equal, increasing where `a` increases. */
function sameOrder(a: number[], b: (number | null)[]): boolean {
  const pairs = a.map((x, i) => [x, b[i]] as const).sort((p, q) => p[0] - q[0]);
  return pairs.every(([x, y], i) => {
    if (y === null) return false;
    if (i === 0) return true;
    const [px, py] = pairs[i - 1];
    return x === px ? y === py : py !== null && y > py;
  });
}

/**
 * For each attention: how many attentions of the same kind feed it (through any path). ONNX graphs list nodes
 * in topological order, so one pass suffices; null when a node reads a tensor defined later (not sorted).
 */
function upstreamCounts(view: GraphView, found: FoundAttention[]): number[] | null {
  const at = new Map(found.map((f, i) => [f.node.index, i]));
  const kinds = ['self', 'cross'] as const;
  const depth = new Map<string, [number, number]>();
  const defined = new Set<string>();
  const result: number[] = new Array<number>(found.length).fill(0);
  for (const node of view.graph.nodes) {
    let d: [number, number] = [0, 0];
    for (const i of node.inputs) {
      if (!i) continue;
      if (view.producer.has(i) && !defined.has(i)) return null;
      const x = depth.get(i);
      if (x) d = [Math.max(d[0], x[0]), Math.max(d[1], x[1])];
    }
    const hit = at.get(node.index);
    if (hit !== undefined) {
      const k = kinds.indexOf(found[hit].kind);
      result[hit] = d[k];
      d = [...d];
      d[k]++;
    }
    for (const o of node.outputs) {
      if (!o) continue;
      defined.add(o);
      if (d[0] || d[1]) depth.set(o, d);
    }
  }
  return result;
}

function site(view: GraphView, tensor: string, nodeName: string, nodeIndex: number, edit?: NodeEdit): TapSite {
  return { tensor, node: nodeName, branchPath: view.path, nodeIndex, ...(edit ? { edit } : {}) };
}

function groupAttention(items: Layered[]): AttentionTap[] {
  const byKey = new Map<string, AttentionTap>();
  for (const { found: f, layer, layerBasis } of items) {
    const id = `attn.${f.kind}.${layer}`;
    const s: AttentionSite = { ...site(f.view, f.tensor, f.node.name, f.node.index, f.edit), heads: f.heads, mask: f.mask, masks: f.masks };
    const tap = byKey.get(id);
    if (tap) {
      tap.sites.push(s);
      tap.heads ??= f.heads;
      // One site known only by name makes the whole tap so.
      const basis = kindBasisOf(f.node);
      if (BASIS_RANK[basis] > BASIS_RANK[tap.inferred.kind]) tap.inferred.kind = basis;
      if (BASIS_RANK[layerBasis] > BASIS_RANK[tap.inferred.layer]) tap.inferred.layer = layerBasis;
      continue;
    }
    byKey.set(id, {
      id,
      tensor: f.tensor,
      layer,
      kind: f.kind,
      heads: f.heads,
      mask: f.mask?.tensor ?? null,
      maskKind: f.mask?.kind ?? null,
      maskOrigins: f.mask?.origins ?? [],
      masks: f.masks.filter((m) => m.origins.length > 0),
      node: f.node.name,
      opType: f.node.opType,
      source: f.source,
      ...(f.implied ? { implied: f.implied } : {}), // fused ops' in-kernel mask (recompute/implied.ts)
      ...(f.view.path.length ? { branchPath: f.view.path } : {}),
      sites: [s],
      inferred: { kind: kindBasisOf(f.node), layer: layerBasis },
    });
  }
  return [...byKey.values()].sort((a, b) => a.layer - b.layer || (a.kind === b.kind ? 0 : a.kind === 'self' ? -1 : 1));
}

function groupHidden(items: FoundHidden[]): HiddenStateTap[] {
  const byLayer = new Map<number, HiddenStateTap>();
  for (const h of items) {
    const s = site(h.view, h.tensor, h.node.name, h.node.index, h.edit);
    const tap = byLayer.get(h.layer);
    if (tap) tap.sites.push(s);
    else {
      byLayer.set(h.layer, {
        id: `hidden.${h.layer}`,
        tensor: h.tensor,
        layer: h.layer,
        source: h.source,
        node: h.node.name,
        ...(h.view.path.length ? { branchPath: h.view.path } : {}),
        sites: [s],
      });
    }
  }
  return [...byLayer.values()].sort((a, b) => a.layer - b.layer);
}

function logitsOf(model: ModelInfo): string | null {
  const outs = model.graph.outputs.map((o) => o.name);
  return outs.find((n) => n === 'logits') ?? outs.find((n) => /logits/i.test(n)) ?? null;
}

/** The Optimum role, from the graph's inputs and outputs (the file name is only a tie-breaker). */
export function roleOf(model: ModelInfo): ModelRole {
  const g = model.graph;
  const inputs = g.inputs.map((i) => i.name);
  const outputs = g.outputs.map((o) => o.name);
  if (inputs.includes('use_cache_branch') && g.nodes.some((n) => n.opType === 'If')) return 'decoder-merged';
  if (inputs.some((n) => /^past_key_values|^past[._]/.test(n))) return 'decoder-with-past';
  if (outputs.some((n) => /logits/i.test(n))) return 'decoder';
  if (outputs.includes('last_hidden_state')) return /decoder/i.test(baseName(model.path)) ? 'decoder' : 'encoder';
  const name = baseName(model.path);
  if (/merged/.test(name)) return 'decoder-merged';
  if (/with_past/.test(name)) return 'decoder-with-past';
  if (/encoder/.test(name)) return 'encoder';
  if (/decoder/.test(name)) return 'decoder';
  return 'unknown';
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
