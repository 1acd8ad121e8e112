// Finds explicit attention in one graph: a Softmax over the last axis whose output is the left operand of the
// MatMul with V. Structure first (score path, K sources), names second (scopes for layers, hints for cross).
import type { GraphView } from './graphView';
import { type MaskOrigin, maskOrigins } from './mask';
import { type LayerScope, layerOf, scopeSaysCross } from './scope';
import { type MaskKind, type ScorePath, isEncoderSource, isSelfCacheSource, operandOrigin, traceScores } from './scorePath';
import type { ImpliedMask, NodeInfo } from './types';

export interface MaskRef {
  tensor: string;
  kind: MaskKind;
  origins: MaskOrigin[];
  /** The mask's shape where the graph records it (often broadcast: [b, 1, q, k] or [b, 1, 1, k]). */
  shape?: (number | string | null)[];
  /** Made by nodes a fused op's edit appends (a recomputed mask): exposing it needs that edit. */
  created?: boolean;
}

/** Edits a fused node needs before it yields its scores (see fused.ts, applied by surgery.ts). */
export interface NodeEdit {
  /** The node's complete new output list. */
  outputs?: string[];
  /** INT attributes to set (replacing any existing value). */
  setInts?: Record<string, number>;
  /** Value infos to add to the node's graph (fused outputs need a type for ORT's inference). */
  valueInfo?: { name: string; elemType: string }[];
  /** Nodes to add after it (a Softmax over MultiHeadAttention's pre-softmax `qk`). */
  addNodes?: { opType: string; inputs: string[]; outputs: string[]; name: string; axis?: number; body?: Uint8Array }[];
}

/**
 * How a tap's kind or layer was inferred: from the graph's data flow ('structure'), from module scope names
 * ('scope'), from node order ('order'), or not at all ('assumed': self attention by default). Checks act only on
 * 'structure'.
 */
export type InferenceBasis = 'structure' | 'scope' | 'order' | 'assumed';

export interface FoundAttention {
  view: GraphView;
  node: NodeInfo;
  /** The probabilities tensor (for fused ops: the output surgery will create, if not there already). */
  tensor: string;
  kind: 'self' | 'cross';
  heads: number | null;
  mask: MaskRef | null;
  masks: MaskRef[];
  scope: LayerScope | null;
  source: 'softmax' | 'fused';
  edit?: NodeEdit;
  /** The mask a fused kernel applies inside itself, from its inputs and attributes (see recompute/implied.ts). */
  implied?: ImpliedMask;
}

const PROBS_PASS = new Set(['Cast', 'Identity', 'Dropout', 'Reshape']);

/** The MatMul that takes these probabilities as its left operand (through casts and dropout), if any. */
function probsMatMul(view: GraphView, tensor: string): NodeInfo | undefined {
  let frontier = [tensor];
  for (let depth = 0; depth < 4 && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const t of frontier) {
      for (const c of view.consumers.get(t) ?? []) {
        if ((c.opType === 'MatMul' || c.opType === 'FusedMatMul') && c.inputs[0] === t) return c;
        if (c.opType === 'Einsum' && c.inputs.indexOf(t) === 0) return c;
        if (PROBS_PASS.has(c.opType) && c.outputs[0]) next.push(c.outputs[0]);
      }
    }
    frontier = next;
  }
  return undefined;
}

function lastAxis(view: GraphView, node: NodeInfo): boolean {
  const axis = node.attributes['axis'];
  const rank = view.rank(node.inputs[0] ?? '') ?? view.rank(node.outputs[0] ?? '');
  if (axis === undefined || axis === null) return view.opset >= 13 || rank === 2;
  if (typeof axis !== 'number') return false;
  if (axis === -1) return true;
  return rank === undefined ? axis >= 2 : axis === rank - 1;
}

/** Head count: the probabilities' shape [b, heads, q, k], else the Q (or K) reshape to [b, s, heads, d]. */
export function headsFrom(view: GraphView, probs: string, path: ScorePath | null): number | null {
  const shape = view.info(probs)?.shape;
  if (shape?.length === 4 && typeof shape[1] === 'number' && shape[1] > 0) return shape[1];
  for (const operand of path ? [path.qk.inputs[0], path.qk.inputs[1]] : []) {
    const h = headsFromReshape(view, operand ?? '');
    if (h !== null) return h;
  }
  return null;
}

function headsFromReshape(view: GraphView, tensor: string): number | null {
  let t = tensor;
  let headsLayout = true; // [b, heads, s, d] until we pass the Transpose that made it
  for (let i = 0; i < 6; i++) {
    const shape = view.info(t)?.shape;
    if (headsLayout && shape?.length === 4 && typeof shape[1] === 'number' && shape[1] > 0) return shape[1];
    const p = view.producerOf(t);
    if (!p) return null;
    if (p.opType === 'Reshape') return headsOfShape(view, p);
    if (!['Transpose', 'Mul', 'Div', 'Cast', 'Identity'].includes(p.opType)) return null;
    if (p.opType === 'Transpose') headsLayout = false;
    t = p.inputs.find((x) => x && !view.isConstant(x)) ?? '';
  }
  return null;
}

/**
 * Heads from the Reshape that splits them off: [b, s, heads, d] (4-D), or nn.MultiheadAttention's
 * [s, b·heads, d] (3-D). Symbolic parts are read from how they are computed: `b·heads` is a Mul by the head
 * count, `d` a Div of the width by it; a constant `d` with a known width gives width / d.
 */
function headsOfShape(view: GraphView, reshape: NodeInfo): number | null {
  const s = shapeValues(view, reshape.inputs[1] ?? '');
  if (!s || (s.length !== 4 && s.length !== 3)) return null;
  const headsAt = s.length === 4 ? 2 : 1;
  const h = s[headsAt];
  const d = s[s.length - 1];
  if (s.length === 4 && typeof h === 'number' && h > 0) return h;
  if (h && typeof h === 'object' && h.mulBy > 0) return h.mulBy;
  if (d && typeof d === 'object' && d.divBy > 0) return d.divBy;
  const width = view.info(reshape.inputs[0] ?? '')?.shape?.at(-1);
  if (typeof d === 'number' && d > 0 && typeof width === 'number' && width % d === 0) return width / d;
  return null;
}

type ShapePart = number | { mulBy: number; divBy: number } | null;

/** Values of a shape operand: a constant, or a Concat of constants and runtime scalars (how each is computed). */
function shapeValues(view: GraphView, t: string): ShapePart[] | undefined {
  const direct = view.intValues(t);
  if (direct) return direct;
  const p = view.producerOf(t);
  if (p?.opType !== 'Concat') return undefined;
  const out: ShapePart[] = [];
  for (const part of p.inputs) {
    const v = view.intValues(part);
    if (v) out.push(...v);
    else if (view.producerOf(part)?.opType === 'Unsqueeze' || view.info(part)?.shape?.[0] === 1) out.push(runtimeScalar(view, part));
    else return undefined;
  }
  return out;
}

/** A runtime shape scalar: whether it is some size times a constant (b·heads) or divided by one (width / heads). */
function runtimeScalar(view: GraphView, t: string): ShapePart {
  let cur = t;
  for (let i = 0; i < 4; i++) {
    const p = view.producerOf(cur);
    if (!p) return null;
    if (p.opType === 'Unsqueeze' || p.opType === 'Cast' || p.opType === 'Squeeze') {
      cur = p.inputs[0] ?? '';
      continue;
    }
    if (p.opType === 'Mul' || p.opType === 'Div') {
      const c = p.inputs.map((x) => view.intValues(x)).find((v) => v?.length === 1)?.[0];
      if (!c || c <= 1) return null;
      const constFirst = view.intValues(p.inputs[0] ?? '') !== undefined;
      if (p.opType === 'Div' && constFirst) return null;
      return p.opType === 'Mul' ? { mulBy: c, divBy: 0 } : { mulBy: 0, divBy: c };
    }
    return null;
  }
  return null;
}

export function maskRefs(view: GraphView, path: ScorePath | null): MaskRef[] {
  return (path?.masks ?? []).map((m) => {
    const shape = view.info(m.tensor)?.shape;
    return { ...m, origins: maskOrigins(view, m.tensor), ...(shape ? { shape } : {}) };
  });
}

/** The mask the model really applied: the nearest operand that derives from a mask input or a causal construction. */
export function effectiveMask(masks: MaskRef[]): MaskRef | null {
  return masks.find((m) => m.origins.length > 0) ?? null;
}

/** Fused ops that compute K and V from their own (single) input: self attention whatever the names say. */
const SELF_ONLY_OPS = new Set(['GroupQueryAttention', 'Attention', 'PackedAttention', 'DecoderMaskedSelfAttention', 'QAttention']);

/** How the last kindOf call for a node decided (read by findTaps; fused ops call kindOf too). */
const kindBases = new WeakMap<NodeInfo, InferenceBasis>();

export const kindBasisOf = (node: NodeInfo): InferenceBasis => kindBases.get(node) ?? 'assumed';

/**
 * Self or cross, by structure: cross when K (or V) is computed from the encoder's output (an
 * `encoder_hidden_states`/`memory` input or the encoder's cache); self when K is projected from the same
 * activation as Q, or carries the decoder's own cache. Only when the structure does not tell: the scope name.
 */
export function kindOf(view: GraphView, node: NodeInfo, keyOrValue: string | undefined, query?: string): 'self' | 'cross' {
  const decide = (kind: 'self' | 'cross', basis: InferenceBasis) => (kindBases.set(node, basis), kind);
  if (!keyOrValue) {
    // Ops whose only activation input is the packed (or query) hidden state are self attention by definition.
    if (SELF_ONLY_OPS.has(node.opType)) return decide('self', 'structure');
    return decide(scopeSaysCross(node) ? 'cross' : 'self', scopeSaysCross(node) ? 'scope' : 'assumed');
  }
  const k = operandOrigin(view, keyOrValue);
  if ([...k.inputs].some(isEncoderSource)) return decide('cross', 'structure');
  const q = query ?? (node.opType === 'Softmax' ? undefined : node.inputs[0]);
  if (q) {
    const qo = operandOrigin(view, q);
    if ([...k.activations].some((a) => qo.activations.has(a))) return decide('self', 'structure');
    // Fused ops with packed QKV (or Q = K = V given once) read one tensor.
    if (q === keyOrValue) return decide('self', 'structure');
  }
  if ([...k.inputs].some(isSelfCacheSource)) return decide('self', 'structure');
  if (scopeSaysCross(node)) return decide('cross', 'scope');
  return decide('self', 'assumed');
}

export function findSoftmaxAttention(view: GraphView): FoundAttention[] {
  const found: FoundAttention[] = [];
  for (const node of view.graph.nodes) {
    if (node.opType !== 'Softmax' || node.domain !== '' || !node.outputs[0] || !lastAxis(view, node)) continue;
    const tensor = node.outputs[0];
    const pv = probsMatMul(view, tensor);
    if (!pv) continue;
    const path = traceScores(view, node.inputs[0] ?? '');
    const masks = maskRefs(view, path);
    found.push({
      view,
      node,
      tensor,
      kind: kindOf(view, node, path ? path.qk.inputs[1] : pv.inputs[1], path?.qk.inputs[0]),
      heads: headsFrom(view, tensor, path),
      mask: effectiveMask(masks),
      masks,
      scope: layerOf(node),
      source: 'softmax',
    });
  }
  return found;
}
