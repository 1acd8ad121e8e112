// Walks back from a Softmax input along the attention-score path to the Q·Kᵀ MatMul, collecting the operands
// added on the way (the masks the model really applied), and judges where a K (or V) operand comes from.
import type { GraphView } from './graph-view';
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

/** Ops a K/V projection passes through between its source and the score MatMul. */
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
]);

/**
 * Model inputs a K or V operand is computed from, following reshapes, cache concatenation, biases, rotary
 * embeddings and one projection (a MatMul with a constant weight), whose input ends the walk.
 */
export function operandSources(view: GraphView, tensor: string): Set<string> {
  const sources = new Set<string>();
  const seen = new Set<string>();
  const stack: { t: string; projected: boolean }[] = [{ t: tensor, projected: false }];
  let budget = 400;
  while (stack.length > 0 && budget-- > 0) {
    const { t, projected } = stack.pop()!;
    if (!t || seen.has(t)) continue;
    seen.add(t);
    if (view.isModelInput(t)) {
      sources.add(t);
      continue;
    }
    const p = view.producerOf(t);
    if (!p || view.isConstant(t)) continue;
    const live = p.inputs.filter((i) => i && !view.isConstant(i));
    const op = p.opType;
    if (op === 'MatMul' || op === 'Gemm') {
      // A projection: its activation input is where K/V come from; look one step further only through casts.
      if (live.length === 1 && !projected) stack.push({ t: live[0], projected: true });
    } else if (projected) {
      if (op === 'Cast' || op === 'Identity') stack.push({ t: p.inputs[0] ?? '', projected });
    } else if (PROJECTION_PATH.has(op)) {
      const follow = op === 'Concat' ? live : [p.inputs[0] ?? ''];
      for (const i of follow) stack.push({ t: i, projected });
    } else if (op === 'Add' || op === 'Mul' || (live.length === 1 && (op === 'Sub' || op === 'Div'))) {
      for (const i of live) stack.push({ t: i, projected });
    }
  }
  return sources;
}

export function isEncoderSource(name: string): boolean {
  return /encoder/i.test(name);
}
