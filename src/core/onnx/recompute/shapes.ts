// Ranks the graph does not record on the tensor itself, read through the ops that keep the rank.
import type { GraphView } from '../graphView';

const KEEPS_RANK = new Set(['Cast', 'Identity', 'Not', 'Abs', 'Neg', 'CastLike', 'Sign', 'Clip', 'Relu']);

/** The rank of `tensor`, from its value info or, through rank-preserving ops, from where it comes from. */
export function rankThrough(view: GraphView, tensor: string): number | undefined {
  let t = tensor;
  for (let i = 0; i < 8 && t; i++) {
    const rank = view.rank(t) ?? view.initializer(t)?.dims.length;
    if (rank !== undefined) return rank;
    const p = view.producerOf(t);
    if (!p || !KEEPS_RANK.has(p.opType)) return undefined;
    t = p.inputs[0] ?? '';
  }
  return undefined;
}
