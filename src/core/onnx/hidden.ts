// Hidden states: the residual stream after each block. By scope when the exporter kept module names (the tensor
// that leaves `/…/layers.N/`), else by structure (residual Adds, SkipLayerNormalization's input_skip_bias_sum),
// placed between one layer's attention and the next.
import type { NodeEdit } from './attention';
import { createdName } from './fused';
import type { GraphView } from './graphView';
import { layerOf } from './scope';
import type { NodeInfo } from './types';

export interface LayeredAttention {
  node: NodeInfo;
  layer: number;
  scopePrefix: string | null;
}

export interface FoundHidden {
  view: GraphView;
  tensor: string;
  layer: number;
  node: NodeInfo;
  source: 'block-output' | 'residual' | 'skip-layernorm';
  edit?: NodeEdit;
}

interface Point {
  tensor: string;
  node: NodeInfo;
  source: FoundHidden['source'];
  edit?: NodeEdit;
}

export function findHiddenStates(view: GraphView, attention: LayeredAttention[]): FoundHidden[] {
  const layers = [...new Set(attention.map((a) => a.layer))].sort((a, b) => a - b);
  if (layers.length === 0) return [];
  const first = new Map<number, number>();
  for (const a of attention) first.set(a.layer, Math.min(first.get(a.layer) ?? Infinity, a.node.index));
  const prefixes = nodePrefixes(view);
  const out: FoundHidden[] = [];
  let points: Point[] | undefined;
  layers.forEach((layer, i) => {
    const scopes = new Set(attention.filter((a) => a.layer === layer).map((a) => a.scopePrefix));
    const prefix = scopes.size === 1 ? [...scopes][0] : null;
    const byScope = prefix ? blockOutput(view, prefixes, prefix) : null;
    if (byScope) {
      out.push({ view, layer, ...byScope });
      return;
    }
    points ??= residualPoints(view);
    const lo = first.get(layer)!;
    const hi = i + 1 < layers.length ? first.get(layers[i + 1])! : Infinity;
    const inside = points.filter((p) => p.node.index > lo && p.node.index < hi);
    const last = inside[inside.length - 1];
    if (last) out.push({ view, layer, ...last });
  });
  return out;
}

function nodePrefixes(view: GraphView): Map<NodeInfo, string> {
  const m = new Map<NodeInfo, string>();
  for (const n of view.graph.nodes) {
    const l = layerOf(n);
    if (l) m.set(n, l.prefix);
  }
  return m;
}

/** The last tensor made inside the block's scope and used outside it (the next block or the final norm). */
function blockOutput(view: GraphView, prefixes: Map<NodeInfo, string>, prefix: string): Point | null {
  let best: Point | null = null;
  for (const n of view.graph.nodes) {
    if (prefixes.get(n) !== prefix) continue;
    for (const o of n.outputs) {
      if (!o) continue;
      const leaves = (view.consumers.get(o) ?? []).some((c) => prefixes.get(c) !== prefix);
      if (leaves && (!best || n.index > best.node.index)) best = { tensor: o, node: n, source: 'block-output' };
    }
  }
  return best;
}

/** Residual points in node order: x + f(x) Adds, and the residual sums SkipLayerNormalization computes. */
function residualPoints(view: GraphView): Point[] {
  const points: Point[] = [];
  for (const n of view.graph.nodes) {
    if (n.domain === 'com.microsoft' && (n.opType === 'SkipLayerNormalization' || n.opType === 'SkipSimplifiedLayerNormalization')) {
      const name = n.outputs[3] || createdName(n, 'input_skip_bias_sum');
      const outputs = [...n.outputs];
      while (outputs.length < 4) outputs.push('');
      outputs[3] = name;
      points.push({ tensor: name, node: n, source: 'skip-layernorm', edit: n.outputs[3] ? undefined : { outputs } });
    } else if (n.opType === 'Add' && n.outputs[0]) {
      const [a = '', b = ''] = n.inputs;
      if (!a || !b || view.isConstant(a) || view.isConstant(b)) continue;
      // x + f(x), where f ends in a projection (so the mask Add of scores + mask is not one).
      if ((isProjection(view, b) && derivesFrom(view, b, a)) || (isProjection(view, a) && derivesFrom(view, a, b))) {
        points.push({ tensor: n.outputs[0], node: n, source: 'residual' });
      }
    }
  }
  return points;
}

const PROJECTIONS = new Set(['MatMul', 'Gemm', 'MatMulNBits', 'MatMulInteger', 'FusedMatMul']);

/** Whether `tensor` is a linear layer's output (a MatMul with a constant weight, plus an optional bias). */
function isProjection(view: GraphView, tensor: string): boolean {
  let p = view.producer.get(tensor);
  if (p?.opType === 'Add') {
    const live = p.inputs.filter((i) => !view.isConstant(i));
    p = live.length === 1 ? view.producer.get(live[0]) : undefined;
  }
  return !!p && PROJECTIONS.has(p.opType) && p.inputs.some((i) => view.isConstant(i));
}

/** Whether `tensor` is computed from `ancestor` (bounded walk back). */
function derivesFrom(view: GraphView, tensor: string, ancestor: string): boolean {
  const seen = new Set<string>();
  const stack = [tensor];
  let budget = 600;
  while (stack.length > 0 && budget-- > 0) {
    const t = stack.pop()!;
    if (t === ancestor) return true;
    if (!t || seen.has(t)) continue;
    seen.add(t);
    const p = view.producer.get(t);
    if (p) for (const i of p.inputs) if (!view.initializers.has(i)) stack.push(i);
  }
  return false;
}
