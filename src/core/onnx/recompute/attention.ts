// com.microsoft Attention has no output for its probabilities, but every input it computes them from is in the
// graph. Appended nodes redo that part of the kernel — softmax(Q·Kᵀ·scale + mask + attention_bias) — from the
// node's own inputs (the packed QKV weight and bias read by name, never copied) and the effective mask it
// applied, following ONNX Runtime's CPU kernel (attention_cpu_base / attention_helper):
//   Q, K, V = input · weights + bias, split by qkv_hidden_sizes (equal thirds by default), num_heads heads each;
//   K is appended to the packed past [2, batch, heads, past, head] (past[0] holds the keys);
//   mask_index: 2-D [batch, total] or 3-D [batch, seq, total] raw 0/1 (0 → mask_filter_value, default −10000),
//   1-D [batch] end positions or [2·batch] end and start positions (outside → mask_filter_value);
//   unidirectional=1 hides key j from query i when j > past + i, with float's lowest value, over the padding.
import type { GraphView } from '../graphView';
import { type MaskOrigin, maskOrigins } from '../mask';
import { type ElemType, type NodeInfo, elemTypeNumber } from '../types';
import { type EncodedNode, NodeBuilder } from './nodes';
import { rankThrough } from './shapes';

export interface Recomputed {
  /** The probabilities [batch, heads, seq, total], made by the appended nodes. */
  probs: string;
  /** The additive mask the kernel applied, [batch or 1, 1, seq, total]; null when it applies none. */
  mask: string | null;
  maskOrigins: MaskOrigin[];
  heads: number;
  nodes: EncodedNode[];
}

export type RecomputeResult = Recomputed | { reason: string };

const FLOAT32_LOWEST = -3.4028234663852886e38;
const FLOAT = 1;
const BIG = Number.MAX_SAFE_INTEGER;

function attr(node: NodeInfo, name: string): number | undefined {
  const v = node.attributes[name];
  return typeof v === 'number' ? v : undefined;
}

function ints(node: NodeInfo, name: string): number[] | undefined {
  const v = node.attributes[name];
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

/** The packed QKV width, from qkv_hidden_sizes or the weight's recorded shape. */
function qkvSizes(view: GraphView, node: NodeInfo): number[] | undefined {
  const given = ints(node, 'qkv_hidden_sizes');
  if (given?.length === 3) return given;
  const w = node.inputs[1] ?? '';
  const dims = view.initializer(w)?.dims ?? view.info(w)?.shape;
  const width = dims?.length === 2 ? dims[1] : undefined;
  return typeof width === 'number' && width > 0 && width % 3 === 0 ? [width / 3, width / 3, width / 3] : undefined;
}

export function recomputeAttention(view: GraphView, node: NodeInfo, prefix: string): RecomputeResult {
  const heads = attr(node, 'num_heads');
  if (!heads || heads < 1) return { reason: 'it has no num_heads attribute' };
  if (attr(node, 'do_rotary') === 1) {
    return { reason: 'it applies rotary position embeddings inside the kernel (do_rotary=1), which Decoder Lens does not redo' };
  }
  if (attr(node, 'past_present_share_buffer') === 1) {
    return {
      reason:
        'it shares one buffer between past and present (past_present_share_buffer=1): how many of its rows are filled is known only inside the kernel',
    };
  }
  if (view.opset < 11) return { reason: `the model uses ONNX opset ${view.opset}; recomputing its attention needs opset 11 or later` };
  const [x = '', weights = '', bias = '', mask = '', past = '', attentionBias = ''] = node.inputs;
  if (!x || !weights) return { reason: 'its input or weights are missing' };
  const maskRank = mask ? rankThrough(view, mask) : undefined;
  if (mask && maskRank === 4) {
    return {
      reason: `its mask_index ${mask} is the 4-D (Megatron) form, which ONNX Runtime's CPU kernel does not implement either`,
    };
  }
  if (mask && maskRank === undefined) return { reason: `the rank of its mask_index ${mask} is not recorded in the graph` };
  if (mask && maskRank !== 1 && maskRank !== 2 && maskRank !== 3) return { reason: `its mask_index ${mask} has rank ${maskRank}` };

  const elem: ElemType = view.info(x)?.elemType ?? view.initializer(weights)?.elemType ?? 'float32';
  const b = new NodeBuilder(prefix, elem);
  const unsqueeze = (t: string, axes: number[], name: string) =>
    view.opset >= 13 ? b.one('Unsqueeze', [t, b.int64(`${name}_axes`, axes)], name) : b.one('Unsqueeze', [t], name, { axes });

  // Q and K from the packed projection.
  let qkv = b.one('MatMul', [x, weights], 'qkv');
  if (bias) qkv = b.one('Add', [qkv, bias], 'qkv_bias');
  const sizes = qkvSizes(view, node);
  const split = !sizes
    ? b.add('Split', [qkv], 'split', view.opset >= 18 ? { axis: 2, num_outputs: 3 } : { axis: 2 }, 3)
    : view.opset >= 13
      ? b.add('Split', [qkv, b.int64('split_sizes', sizes)], 'split', { axis: 2 }, 3)
      : b.add('Split', [qkv], 'split', { axis: 2, split: sizes }, 3);
  const headsShape = b.int64('heads_shape', [0, 0, heads, -1]);
  const q = b.one('Transpose', [b.one('Reshape', [split[0], headsShape], 'q_heads')], 'q', { perm: [0, 2, 1, 3] });
  let k = b.one('Transpose', [b.one('Reshape', [split[1], headsShape], 'k_heads')], 'k', { perm: [0, 2, 1, 3] });
  if (past) {
    const pastKeys = b.one('Gather', [past, b.int64('zero_index', [0], [])], 'past_keys', { axis: 0 });
    k = b.one('Concat', [pastKeys, k], 'keys', { axis: 2 });
  }
  const kt = b.one('Transpose', [k], 'keys_t', { perm: [0, 1, 3, 2] });
  const qk = b.one('MatMul', [q, kt], 'qk');
  let scale: string;
  const fixedScale = attr(node, 'scale');
  if (fixedScale) scale = b.float('scale', fixedScale);
  else if (sizes) scale = b.float('scale', 1 / Math.sqrt(sizes[0] / heads));
  else {
    // 1/√head_size, with the head size read from Q at run time.
    const d = b.one('Cast', [b.one('Gather', [b.one('Shape', [q], 'q_shape'), b.int64('three', [3], [])], 'head_size')], 'head_size_f', {
      to: FLOAT,
    });
    const inv = b.one('Reciprocal', [b.one('Sqrt', [d], 'sqrt_head_size')], 'scale_f32');
    scale = elem === 'float32' ? inv : b.one('Cast', [inv], 'scale', { to: elemTypeNumber(elem) });
  }
  let scores = b.one('Mul', [qk, scale], 'scaled');

  // The effective mask: padding from mask_index, then the causal part over it.
  const causal = attr(node, 'unidirectional') === 1;
  let total: string | null = null;
  let keyPositions: string | null = null;
  const positions = () => {
    if (!total) {
      total = b.one('Gather', [b.one('Shape', [kt], 'keys_shape'), b.int64('three_t', [3], [])], 'total');
      keyPositions = b.one('Range', [b.int64('zero', [0], []), total, b.int64('one', [1], [])], 'key_positions');
    }
    return { total, keyPositions: keyPositions! };
  };
  let padAdd: string | null = null;
  if (mask) {
    const filter = b.float('mask_filter_value', attr(node, 'mask_filter_value') ?? -10000);
    const zero = b.float('zero_f', 0);
    const maskF = b.one('Cast', [mask], 'mask_index_f', { to: FLOAT });
    let visible: string;
    if (maskRank === 1) {
      // [batch] ends, or [2·batch] ends then starts: the starts are what follows the first `batch` values (none → 0).
      const batch = b.one('Slice', [b.one('Shape', [x], 'x_shape'), b.int64('s0', [0]), b.int64('s1', [1])], 'batch');
      const ends = b.one('Slice', [maskF, b.int64('s0b', [0]), batch], 'ends');
      const rest = b.one('Slice', [maskF, batch, b.int64('big', [BIG])], 'rest');
      const zeros = b.one('ConstantOfShape', [batch], 'zeros');
      const starts = b.one('Slice', [b.one('Concat', [rest, zeros], 'rest_zeros', { axis: 0 }), b.int64('s0c', [0]), batch], 'starts');
      const keys = unsqueeze(b.one('Cast', [positions().keyPositions], 'key_positions_f', { to: FLOAT }), [0], 'key_row');
      const beforeEnd = b.one('Less', [keys, unsqueeze(ends, [1], 'ends_col')], 'before_end');
      const beforeStart = b.one('Less', [keys, unsqueeze(starts, [1], 'starts_col')], 'before_start');
      visible = b.one('And', [beforeEnd, b.one('Not', [beforeStart], 'from_start')], 'visible_1d');
    } else {
      visible = b.one('Greater', [maskF, b.one('Constant', [], 'zero_f32', { value: { float32: [0], dims: [] } })], 'visible_raw');
    }
    const add = b.one('Where', [visible, zero, filter], 'padding_add');
    padAdd = unsqueeze(add, maskRank === 3 ? [1] : [1, 2], 'padding');
  }
  let effective: string | null = padAdd;
  if (causal) {
    const { total: t, keyPositions: kp } = positions();
    const seq = b.one('Gather', [b.one('Shape', [q], 'queries_shape'), b.int64('two', [2], [])], 'seq');
    const first = b.one('Sub', [t, seq], 'past_length');
    const queryPositions = b.one('Range', [first, t, b.int64('one_q', [1], [])], 'query_positions');
    const later = b.one(
      'Greater',
      [unsqueeze(kp, [0], 'key_positions_row'), unsqueeze(queryPositions, [1], 'query_positions_col')],
      'later',
    );
    const visible = b.one('Not', [later], 'causal_visible');
    const lowest = b.float('lowest', FLOAT32_LOWEST);
    effective = padAdd
      ? b.one('Where', [visible, padAdd, lowest], 'mask')
      : unsqueeze(b.one('Where', [visible, b.float('zero_c', 0), lowest], 'causal_add'), [0, 1], 'mask');
  }
  if (effective) scores = b.one('Add', [scores, effective], 'masked');
  if (attentionBias) scores = b.one('Add', [scores, attentionBias], 'biased');
  const probs = b.one('Softmax', [scores], 'attention_probs', { axis: -1 });
  const origins = new Set<MaskOrigin>(mask ? maskOrigins(view, mask) : []);
  if (causal) origins.add('causal');
  return { probs, mask: effective, maskOrigins: [...origins], heads, nodes: b.nodes };
}
