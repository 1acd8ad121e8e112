// Finds what turns the last hidden state into logits (the final norm, the LM head, and anything between,
// such as a Cast or logit soft-capping): the lens applies exactly these nodes to every layer's hidden state.
// Found by structure — every node on a path from the last layer's hidden state to the logits output — so the
// norm can be LayerNormalization, SimplifiedLayerNormalization, or the ReduceMean-Sub-Pow-… decomposition the
// TorchScript exporter writes, and the head MatMul or Gemm, without naming each pattern.
import { DecoderLensError } from '../errors';
import type { ModelInfo, NodeInfo, TapReport } from '../onnx';
import type { InitializerInfo } from '../onnx/types';
import { type BranchStep, GraphView } from '../onnx/graphView';
import type { LensLmHead, LensNorm, NormKind } from './outputs';

export type { NormKind };

export interface LensHead {
  /** The last layer's hidden state, where the head starts (as the head's own graph names it). */
  input: string;
  /** The model's logits output (top level): the last layer's lens. */
  logits: string;
  /** The logits as the head's own graph names them (a branch output in a merged decoder; else `logits`). */
  chainLogits: string;
  /** Every node from `input` to `logits`, in graph order, plus the branch-local constants they read. */
  chain: NodeInfo[];
  /**
   * Chain inputs the lens feeds otherwise than the model does: with the final norm fused with the last residual
   * Add (SkipLayerNormalization), the stacked hidden states go in as its `input`, zeros as its `skip`, and its
   * `bias` is left out (the hidden states already hold it), so the copy computes the norm alone.
   */
  substitutes?: Record<string, 'hidden' | 'zeros' | 'none'>;
  norm: LensNorm;
  lmHead: LensLmHead;
  /**
   * Each layer's hidden-state tensor, in layer order, with its tap id. In a merged decoder the tensors live in
   * the If branches: `tensor` is the tap id until the tensors are lifted to top-level outputs (`lifted`).
   */
  layers: { layer: number; tensor: string; id: string }[];
  /** Where the head was found: [] at top level, else the If branch it was copied from. */
  branch: BranchStep[];
  /**
   * What the chain reads from outside itself: the initializers, and the nodes that compute constants from them
   * (a Transpose of the weight, a Constant shape), in graph order — what a standalone lens model must carry.
   */
  reads: { initializers: InitializerInfo[]; nodes: NodeInfo[] };
  opset: number;
}

const HEAD_OPS = new Set(['MatMul', 'Gemm', 'MatMulNBits', 'FusedMatMul']);
/** Ops between a weight initializer and the head that do not change which weight it is. */
const WEIGHT_PASS = new Set(['Transpose', 'Cast', 'DequantizeLinear', 'Identity']);
const MAX_CHAIN = 64;
const FUSED_NORMS = new Set([
  'LayerNormalization',
  'SimplifiedLayerNormalization',
  'RMSNormalization',
  'SkipLayerNormalization',
  'SkipSimplifiedLayerNormalization',
]);

export function findLensHead(model: ModelInfo, report: TapReport): LensHead {
  const file = model.path;
  const fail = (why: string) => new DecoderLensError('unsupported', `The logit lens cannot run on ${file}: ${why}`, file);
  if (!report.logits) throw fail('it has no logits output.');
  if (report.hiddenStates.length === 0) throw fail('no per-layer hidden state (the residual stream after each block) was found.');
  const opset = model.opsets.find((o) => o.domain === '')?.version ?? 0;
  if (opset < 11) throw fail(`it uses ONNX opset ${opset}; the lens needs opset 11 or later (negative Gather indices, GatherElements).`);
  const root = new GraphView(model.graph, null, [], opset);
  const last = report.hiddenStates[report.hiddenStates.length - 1];
  // At top level when the last layer is there; else (Optimum's merged decoder) inside the If branch that holds
  // it: every branch computes the same head, and the lens copies it out to the top level.
  const home = last.sites.find((s) => s.branchPath.length === 0) ?? last.sites[0];
  const branch = home.branchPath;
  const located = branch.length === 0 ? { view: root, logits: report.logits } : descend(root, branch, report.logits, opset);
  if (typeof located === 'string') throw fail(located);
  const { view } = located;
  const layers = report.hiddenStates.map((h) => ({
    layer: h.layer,
    id: h.id,
    tensor: branch.length === 0 ? (h.sites.find((s) => s.branchPath.length === 0)?.tensor ?? '') : h.id,
  }));
  if (layers.some((l) => !l.tensor)) throw fail("some layers' hidden states are at top level and some inside If branches.");
  const input = home.tensor;
  // A fused final norm: the last hidden state is SkipLayerNormalization's residual sum (output 3), a sibling of
  // the normed output the head reads, so the chain starts at that node, fed through `substitutes`. (When the sum
  // itself leads to the logits, through a norm of its own, the plain path serves.)
  let path = pathNodes(view, input, located.logits);
  const skip = !path && last.source === 'skip-layernorm' ? (view.producer.get(input) ?? view.graph.nodes[home.nodeIndex]) : undefined;
  const substitutes: Record<string, 'hidden' | 'zeros' | 'none'> = {};
  if (skip) {
    // SkipLayerNormalization: input, skip, gamma, beta, bias; SkipSimplifiedLayerNormalization: input, skip, gamma, bias.
    const [x = '', residual = ''] = skip.inputs;
    const bias = skip.inputs[skip.opType === 'SkipSimplifiedLayerNormalization' ? 3 : 4] ?? '';
    if (!x || !residual || x === residual || !skip.outputs[0])
      throw fail(`${skip.name || skip.opType}, the final SkipLayerNormalization, has no separate input and skip.`);
    substitutes[x] = 'hidden';
    substitutes[residual] = 'zeros';
    if (bias) substitutes[bias] = 'none';
    const rest = pathNodes(view, skip.outputs[0], located.logits);
    path = rest ? [skip, ...rest] : null;
  }
  if (!path) throw fail(`the last layer's hidden state ${input} does not lead to ${located.logits} within ${MAX_CHAIN} nodes.`);
  const made = new Set(path.flatMap((n) => n.outputs));
  const constants = new Map<string, NodeInfo>();
  for (const n of path) {
    if (Object.keys(n.subgraphs).length > 0)
      throw fail(`${n.name || n.opType} between the last hidden state and the logits holds a subgraph.`);
    for (const i of n.inputs) {
      if (!i || i === input || made.has(i) || i in substitutes) continue;
      if (!view.isConstant(i, 8)) {
        throw fail(
          `${n.name || n.opType} between the last hidden state and the logits also reads ${i}, which is computed from the model's inputs, so it cannot be applied to other layers' hidden states.`,
        );
      }
      if (branch.length > 0) {
        const why = branchConstants(view, root, i, constants);
        if (why) throw fail(why);
      }
    }
  }
  const headNode = [...path].reverse().find((n) => HEAD_OPS.has(n.opType) && n.inputs.slice(0, 2).some((i) => view.isConstant(i, 8)));
  if (!headNode)
    throw fail(`no MatMul or Gemm with a weight initializer makes the logits (found ${path.map((n) => n.opType).join(' → ')}).`);
  const chain = [...constants.values(), ...path].sort((a, b) => a.index - b.index);
  const reads = constantReads(view, chain, new Set([input, ...Object.keys(substitutes)]));
  if (typeof reads === 'string') throw fail(reads);
  return {
    input,
    logits: report.logits,
    chainLogits: located.logits,
    chain,
    reads,
    ...(skip ? { substitutes } : {}),
    norm: describeNorm(
      view,
      path.filter((n) => n.index < headNode.index),
    ),
    lmHead: describeHead(view, headNode),
    layers,
    branch,
    opset,
  };
}

/** The branch's view, and what the branch calls the logits (the If output at the same index, level by level). */
function descend(root: GraphView, branch: BranchStep[], logits: string, opset: number): { view: GraphView; logits: string } | string {
  let view = root;
  let name = logits;
  for (const step of branch) {
    const node = view.graph.nodes[step.nodeIndex];
    const graph = node?.subgraphs[step.attribute];
    const at = node ? node.outputs.indexOf(name) : -1;
    if (!graph || at < 0 || !graph.outputs[at])
      return `the logits ${logits} do not come out of ${step.node || step.opType}, the If holding the last layer.`;
    name = graph.outputs[at].name;
    view = new GraphView(graph, view, [...view.path, step], opset);
  }
  return { view, logits: name };
}

/**
 * The branch-local nodes (Constants, and what derives only from them) a head node reads, so they can be copied
 * out with it; a weight stored in the branch itself cannot be read from the top level, and is the reason why not.
 */
function branchConstants(view: GraphView, root: GraphView, name: string, into: Map<string, NodeInfo>, depth = 8): string | null {
  if (!name || root.initializer(name) || root.producer.has(name)) return null;
  const p = view.producer.get(name);
  if (p) {
    if (depth <= 0) return `${name} is computed inside the If branch from too many steps of constants to copy out.`;
    into.set(p.outputs.join('\u0000'), p);
    for (const i of p.inputs) {
      const why = branchConstants(view, root, i, into, depth - 1);
      if (why) return why;
    }
    return null;
  }
  if (view.initializers.has(name))
    return `the head reads ${name}, an initializer stored inside the If branch rather than the outer graph (Optimum's merge moves shared weights out), so it cannot be applied outside the branch; decoder_model.onnx / decoder_with_past_model.onnx beside it would work.`;
  return `the head reads ${name}, which is defined in an enclosing If branch.`;
}

/** The initializers and constant-making nodes the chain reads from outside itself (see LensHead.reads). */
function constantReads(view: GraphView, chain: NodeInfo[], skip: Set<string>): LensHead['reads'] | string {
  const made = new Set(chain.flatMap((n) => n.outputs));
  const initializers = new Map<string, InitializerInfo>();
  const nodes = new Set<NodeInfo>();
  const visit = (name: string, depth: number): string | null => {
    if (!name || skip.has(name) || made.has(name) || initializers.has(name)) return null;
    const init = view.initializer(name);
    if (init) return (initializers.set(name, init), null);
    const p = view.producerOf(name);
    if (!p) return `the head reads ${name}, which is neither an initializer nor computed from one.`;
    if (nodes.has(p)) return null;
    if (depth <= 0 || Object.keys(p.subgraphs).length > 0) return `the head reads ${name}, a constant computed in too many steps to copy.`;
    nodes.add(p);
    for (const i of p.inputs) {
      const why = visit(i, depth - 1);
      if (why) return why;
    }
    return null;
  };
  for (const n of chain)
    for (const i of n.inputs) {
      const why = visit(i, 8);
      if (why) return why;
    }
  return { initializers: [...initializers.values()], nodes: [...nodes].sort((a, b) => a.index - b.index) };
}

/** The nodes on every path from `from` to `to`, in graph order, or null when `to` is not reached. */
function pathNodes(view: GraphView, from: string, to: string): NodeInfo[] | null {
  const forward = new Set<NodeInfo>();
  const stack = [from];
  while (stack.length > 0) {
    for (const c of view.consumers.get(stack.pop()!) ?? []) {
      if (forward.has(c)) continue;
      forward.add(c);
      if (forward.size > MAX_CHAIN * 4) return null;
      stack.push(...c.outputs.filter(Boolean));
    }
  }
  const chain = new Set<NodeInfo>();
  const back = [to];
  while (back.length > 0) {
    const p = view.producer.get(back.pop()!);
    if (!p || !forward.has(p) || chain.has(p)) continue;
    chain.add(p);
    back.push(...p.inputs.filter(Boolean));
  }
  if (chain.size === 0 || chain.size > MAX_CHAIN) return null;
  return [...chain].sort((a, b) => a.index - b.index);
}

function describeNorm(view: GraphView, nodes: NodeInfo[]): LensHead['norm'] {
  const ops = new Set(nodes.map((n) => n.opType));
  const names = nodes.map((n) => n.name || n.opType);
  const fused = nodes.find((n) => FUSED_NORMS.has(n.opType));
  if (fused) {
    // SkipLayerNormalization: input, skip, gamma, beta, bias; SkipSimplified: no beta (its input 3 is the residual's
    // bias); the others: input, scale, bias.
    const at = fused.opType.startsWith('Skip') ? 2 : 1;
    const bias = fused.opType === 'SkipSimplifiedLayerNormalization' ? null : fused.inputs[at + 1] || null;
    return { kind: fused.opType as NormKind, nodes: names, weight: fused.inputs[at] || null, bias };
  }
  if (nodes.length === 0) return { kind: 'none', nodes: names, weight: null, bias: null };
  const param = (op: string) =>
    nodes
      .filter((n) => n.opType === op)
      .flatMap((n) => n.inputs.filter((i) => view.initializer(i)))
      .pop() ?? null;
  const decomposed = ops.has('ReduceMean') && (ops.has('Sqrt') || ops.has('Pow'));
  const kind: NormKind = decomposed ? (ops.has('Sub') ? 'decomposed LayerNorm' : 'decomposed RMSNorm') : 'other';
  return { kind, nodes: names, weight: param('Mul'), bias: kind === 'decomposed LayerNorm' ? param('Add') : null };
}

function describeHead(view: GraphView, node: NodeInfo): LensHead['lmHead'] {
  const slot = node.opType === 'MatMul' && view.isConstant(node.inputs[0], 8) && !view.isConstant(node.inputs[1], 8) ? 0 : 1;
  let name = node.inputs[slot];
  let transposed = node.opType === 'Gemm' ? node.attributes.transB === 1 : node.opType === 'MatMulNBits';
  for (let p = view.producer.get(name); p && WEIGHT_PASS.has(p.opType); p = view.producer.get(name)) {
    if (p.opType === 'Transpose') transposed = !transposed;
    name = p.inputs[0];
  }
  const init = view.initializer(name);
  const dims = init?.dims ?? [];
  const vocab =
    node.opType === 'MatMulNBits' ? ((node.attributes.N as number) ?? null) : dims.length === 2 ? dims[transposed ? 0 : 1] : null;
  // Tied: the same initializer also serves as the token embedding (a Gather over the ids).
  const tied = (view.consumers.get(name) ?? []).some((c) => c.opType === 'Gather' && c.inputs[0] === name);
  return { node: node.name || node.opType, opType: node.opType, weight: name, transposed, tied, vocab };
}
