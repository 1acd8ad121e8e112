// Walks back from a Softmax input along the attention-score path to the Q·Kᵀ MatMul, collecting the operands
// added on the way (the masks the model really applied), and judges where a K (or V) operand comes from.
import type { GraphView } from './graphView';
import type { NodeInfo } from './types';

export type MaskKind = 'additive' | 'keep-where-true' | 'hide-where-true';

export interface MaskCandidate {
  tensor: string;
  kind: MaskKind;
}

export interface ScorePath {
  /** The MatMul of two activations that makes the scores. */
  qk: NodeInfo;
  /** Operands added to (or selected into) the scores, nearest the Softmax first. */
  masks: MaskCandidate[];
}

/** Ops that pass the score tensor through unchanged in meaning. */
const SCORE_UNARY = new Set(['Cast', 'CastLike', 'Reshape', 'Identity', 'Squeeze', 'Unsqueeze', 'Tanh', 'Clip', 'Expand', 'Flatten']);
const MATMULS = new Set(['MatMul', 'Einsum', 'FusedMatMul']);

export function traceScores(view: GraphView, tensor: string): ScorePath | null {
  const memo = new Map<string, ScorePath | null>();
  const trace = (t: string, depth: number): ScorePath | null => {
    if (depth > 48 || !t) return null;
    const hit = memo.get(t);
    if (hit !== undefined) return hit;
    memo.set(t, null); // cycles in a corrupt graph end here
    const p = view.producerOf(t);
    let r: ScorePath | null = null;
    if (p) r = step(p, depth);
    memo.set(t, r);
    return r;
  };
  const nonConst = (p: NodeInfo) => p.inputs.filter((i) => i && !view.isConstant(i));
  const step = (p: NodeInfo, depth: number): ScorePath | null => {
    const op = p.opType;
    if (MATMULS.has(op)) {
      return nonConst(p).length >= 2 ? { qk: p, masks: [] } : null;
    }
    if (SCORE_UNARY.has(op)) return trace(p.inputs[0] ?? '', depth + 1);
    if (op === 'Mul' || op === 'Div' || op === 'Max' || op === 'Min') {
      // Scale (a constant) or clamp: follow whichever operand leads to the scores.
      for (const i of nonConst(p)) {
        const r = trace(i, depth + 1);
        if (r) return r;
      }
      return null;
    }
    if (op === 'Add' || op === 'Sub') {
      const [a = '', b = ''] = p.inputs;
      const ra = view.isConstant(a) ? null : trace(a, depth + 1);
      if (ra) return view.isConstant(b) ? ra : { qk: ra.qk, masks: [{ tensor: b, kind: 'additive' }, ...ra.masks] };
      const rb = view.isConstant(b) ? null : trace(b, depth + 1);
      if (rb) return view.isConstant(a) ? rb : { qk: rb.qk, masks: [{ tensor: a, kind: 'additive' }, ...rb.masks] };
      return null;
    }
    if (op === 'Where') {
      const [cond = '', x = '', y = ''] = p.inputs;
      const rx = view.isConstant(x) ? null : trace(x, depth + 1);
      if (rx) return { qk: rx.qk, masks: [{ tensor: cond, kind: 'keep-where-true' }, ...rx.masks] };
      const ry = view.isConstant(y) ? null : trace(y, depth + 1);
      if (ry) return { qk: ry.qk, masks: [{ tensor: cond, kind: 'hide-where-true' }, ...ry.masks] };
    }
    return null;
  };
  return trace(tensor, 0);
}

/** Ops a K/V projection passes through between its source and the score MatMul (data operand only). */
const PROJECTION_PATH = new Set([
  'Transpose',
  'Reshape',
  'Cast',
  'CastLike',
  'Identity',
  'Squeeze',
  'Unsqueeze',
  'Expand',
  'Slice',
  'Split',
  'Gather',
  'Concat',
  'Neg',
  'Tile',
  'Pad',
  'Flatten',
  'DequantizeLinear',
  'Contiguous',
]);

/** Ops that move a weight around without computing from activations (packed in_proj_weight slices, chunks). */
const WEIGHT_PATH = new Set([
  'Slice',
  'Split',
  'Gather',
  'Transpose',
  'Reshape',
  'Cast',
  'CastLike',
  'Identity',
  'Squeeze',
  'Unsqueeze',
  'DequantizeLinear',
  'Concat',
  'Flatten',
]);

/** Ops after a projection's activation input that only change its layout or precision. */
const LAYOUT = new Set([
  'Transpose',
  'Reshape',
  'Cast',
  'CastLike',
  'Identity',
  'Squeeze',
  'Unsqueeze',
  'Flatten',
  'DynamicQuantizeLinear',
  'QuantizeLinear',
]);

/**
 * A weight: an initializer (or constant) reached through slices, splits, gathers, transposes and dequantisation of
 * its data operand. nn.MultiheadAttention's packed in_proj_weight is sliced with bounds computed from shapes at
 * run time, so only the data operand has to be constant.
 */
export function isWeight(view: GraphView, tensor: string, depth = 8): boolean {
  if (!tensor) return false;
  if (view.isConstant(tensor)) return true;
  if (depth <= 0) return false;
  const p = view.producerOf(tensor);
  if (!p || !WEIGHT_PATH.has(p.opType)) return false;
  if (p.opType === 'Concat') return p.inputs.every((i) => isWeight(view, i, depth - 1));
  return isWeight(view, p.inputs[0] ?? '', depth - 1);
}

/** The activation operand of a projection node, or undefined when the node is not a projection. */
export function projectionInput(view: GraphView, p: NodeInfo): string | undefined {
  const op = p.opType;
  if (op === 'MatMulNBits' || op === 'MatMulBnb4' || op === 'MatMulFpQ4')
    return isWeight(view, p.inputs[1] ?? '') ? p.inputs[0] : undefined;
  if (op === 'MatMulInteger' || op === 'MatMulIntegerToFloat' || op === 'QLinearMatMul') {
    const b = op === 'QLinearMatMul' ? p.inputs[3] : p.inputs[1];
    return isWeight(view, b ?? '') ? p.inputs[0] : undefined;
  }
  if (op !== 'MatMul' && op !== 'Gemm' && op !== 'FusedMatMul') return undefined;
  const [a = '', b = ''] = p.inputs;
  const aw = isWeight(view, a);
  const bw = isWeight(view, b);
  if (aw === bw) return undefined;
  return aw ? b : a;
}

/** Where a K or V operand comes from: the model inputs it reaches, and the activations its projection reads. */
export interface OperandOrigin {
  inputs: Set<string>;
  /** The tensors projections read (after layout-only ops are stripped): Q and K of self attention share one. */
  activations: Set<string>;
}

/** Follows layout-only ops back from a projection's activation input. */
function stripLayout(view: GraphView, tensor: string): string {
  let t = tensor;
  for (let i = 0; i < 8; i++) {
    const p = view.producerOf(t);
    if (!p || !LAYOUT.has(p.opType) || !p.inputs[0]) return t;
    t = p.inputs[0];
  }
  return t;
}

/**
 * Model inputs a K or V operand is computed from, following reshapes, slices of packed projections, cache
 * concatenation, biases, rotary embeddings and one projection (a MatMul, Gemm or quantized matmul whose other
 * operand is a weight); after the projection only layout ops are followed.
 */
export function operandOrigin(view: GraphView, tensor: string): OperandOrigin {
  const inputs = new Set<string>();
  const activations = new Set<string>();
  const seen = new Set<string>();
  const stack: string[] = [tensor];
  let budget = 400;
  while (stack.length > 0 && budget-- > 0) {
    const t = stack.pop()!;
    if (!t || seen.has(t)) continue;
    seen.add(t);
    if (view.isModelInput(t)) {
      inputs.add(t);
      continue;
    }
    const p = view.producerOf(t);
    if (!p || view.isConstant(t)) continue;
    const op = p.opType;
    const activation = projectionInput(view, p);
    if (activation !== undefined) {
      const source = stripLayout(view, activation);
      activations.add(source);
      if (view.isModelInput(source)) inputs.add(source);
      continue;
    }
    const live = p.inputs.filter((i) => i && !view.isConstant(i));
    if (PROJECTION_PATH.has(op)) {
      const follow = op === 'Concat' ? live : [p.inputs[0] ?? ''];
      for (const i of follow) stack.push(i);
    } else if (op === 'Add' || op === 'Mul' || (live.length === 1 && (op === 'Sub' || op === 'Div'))) {
      for (const i of live) stack.push(i);
    }
  }
  return { inputs, activations };
}

/** Model inputs a K or V operand is computed from (see operandOrigin). */
export function operandSources(view: GraphView, tensor: string): Set<string> {
  return operandOrigin(view, tensor).inputs;
}

export function isEncoderSource(name: string): boolean {
  return /encoder|memory/i.test(name);
}

/** A decoder's own cache input (self attention's past keys/values), not the encoder's. */
export function isSelfCacheSource(name: string): boolean {
  return /past/i.test(name) && !isEncoderSource(name);
}
