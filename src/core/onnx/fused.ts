// Fused attention ops: switch on their score output where they have one, recompute the probabilities from the
// op's own inputs where it has none (com.microsoft Attention, recompute/attention.ts), say why where neither works.
// Checked with onnxruntime-node 1.30 (CPU): MultiHeadAttention's `qk` (output 3) is the scaled Q·Kᵀ with the
// mask and bias added, before softmax, and its type must be declared; GroupQueryAttention `qk_output`=2 and ONNX
// Attention (opset 23) `qk_matmul_output_mode`=3 return the probabilities in output 3.
import { type FoundAttention, type MaskRef, type NodeEdit, kindOf } from './attention';
import type { GraphView } from './graphView';
import { maskOrigins } from './mask';
import { recomputeAttention } from './recompute/attention';
import { describeImpliedMask } from './recompute/implied';
import { layerOf } from './scope';
import type { NodeInfo } from './types';

export interface Unavailable {
  node: string;
  reason: string;
}

const NO_SCORES =
  'computes the softmax inside one fused kernel and has no output for the attention probabilities; ' +
  'export the model without attention fusion (for Optimum: no ORT optimisation, or optimisation level O1) to see them';

/** com.microsoft ops that hide their probabilities, with the reason to show. */
const UNAVAILABLE: Record<string, string> = {
  PackedAttention: `com.microsoft PackedAttention ${NO_SCORES}`,
  PackedMultiHeadAttention: `com.microsoft PackedMultiHeadAttention ${NO_SCORES}`,
  SparseAttention: `com.microsoft SparseAttention ${NO_SCORES}`,
  PagedAttention: `com.microsoft PagedAttention ${NO_SCORES}`,
  LongformerAttention: `com.microsoft LongformerAttention ${NO_SCORES}`,
  QAttention: `com.microsoft QAttention (quantized) ${NO_SCORES}`,
  QOrderedAttention: `com.microsoft QOrderedAttention (quantized) ${NO_SCORES}`,
  DecoderAttention: `com.microsoft DecoderAttention ${NO_SCORES}`,
  DecoderMaskedSelfAttention: `com.microsoft DecoderMaskedSelfAttention ${NO_SCORES}`,
};

/** A stable, unique name for a tensor surgery creates. */
export function createdName(node: NodeInfo, what: string): string {
  return `decoder_lens/${node.name || `${node.opType}_${node.index}`}/${what}`;
}

function withOutput(node: NodeInfo, index: number, name: string): string[] {
  const outputs = [...node.outputs];
  while (outputs.length <= index) outputs.push('');
  outputs[index] = name;
  return outputs;
}

function optionalMask(view: GraphView, tensor: string | undefined, boolKind: MaskRef['kind']): MaskRef | null {
  if (!tensor) return null;
  const elem = view.info(tensor)?.elemType;
  const kind = elem === 'bool' || elem === 'int32' || elem === 'int64' ? boolKind : 'additive';
  return { tensor, kind, origins: maskOrigins(view, tensor) };
}

function elemOf(view: GraphView, node: NodeInfo): string {
  return view.info(node.inputs[0] ?? '')?.elemType ?? view.info(node.outputs[0] ?? '')?.elemType ?? 'float32';
}

function found(
  view: GraphView,
  node: NodeInfo,
  tensor: string,
  heads: number | null,
  mask: MaskRef | null,
  keyInput: string | undefined,
  edit?: NodeEdit,
): FoundAttention {
  const implied = describeImpliedMask(view, node);
  return {
    view,
    node,
    tensor,
    kind: kindOf(view, node, keyInput || undefined),
    heads,
    mask,
    masks: mask ? [mask] : [],
    scope: layerOf(node),
    source: 'fused',
    edit,
    ...(implied ? { implied } : {}),
  };
}

function intAttr(node: NodeInfo, name: string): number | null {
  const v = node.attributes[name];
  return typeof v === 'number' ? v : null;
}

export function findFusedAttention(view: GraphView, unavailable: Unavailable[]): FoundAttention[] {
  const out: FoundAttention[] = [];
  for (const node of view.graph.nodes) {
    const label = node.name || `${node.opType} #${node.index}`;
    if (node.domain === 'com.microsoft' && node.opType === 'MultiHeadAttention') {
      // qk is pre-softmax (mask and bias included): a Softmax over it gives exactly the probabilities.
      const qk = node.outputs[3] || createdName(node, 'qk');
      const probs = createdName(node, 'attention_probs');
      const edit: NodeEdit = {
        outputs: node.outputs[3] ? undefined : withOutput(node, 3, qk),
        valueInfo: [{ name: qk, elemType: elemOf(view, node) }],
        addNodes: [{ opType: 'Softmax', inputs: [qk], outputs: [probs], name: createdName(node, 'Softmax'), axis: -1 }],
      };
      const mask = optionalMask(view, node.inputs[5], 'additive') ?? optionalMask(view, node.inputs[4], 'keep-where-true');
      out.push(found(view, node, probs, intAttr(node, 'num_heads'), mask, node.inputs[1], edit));
    } else if (node.domain === 'com.microsoft' && node.opType === 'DecoderMaskedMultiHeadAttention') {
      // output_qk=1 switches on output 3: the scaled Q·Kᵀ with mask_index (as −10000) and the bias added, before
      // softmax (checked with onnxruntime-node 1.30 CPU, which runs the op), so a Softmax over it is the probabilities.
      const qk = node.outputs[3] || createdName(node, 'qk');
      const probs = createdName(node, 'attention_probs');
      const edit: NodeEdit = {
        outputs: node.outputs[3] ? undefined : withOutput(node, 3, qk),
        setInts: { output_qk: 1 },
        valueInfo: [{ name: qk, elemType: elemOf(view, node) }],
        addNodes: [{ opType: 'Softmax', inputs: [qk], outputs: [probs], name: createdName(node, 'Softmax'), axis: -1 }],
      };
      const mask = optionalMask(view, node.inputs[4], 'additive') ?? optionalMask(view, node.inputs[3], 'keep-where-true');
      out.push(found(view, node, probs, intAttr(node, 'num_heads'), mask, node.inputs[1], edit));
    } else if (node.domain === 'com.microsoft' && node.opType === 'GroupQueryAttention') {
      const name = node.outputs[3] || createdName(node, 'attention_probs');
      const edit: NodeEdit = {
        outputs: withOutput(node, 3, name),
        setInts: { qk_output: 2 },
        valueInfo: [{ name, elemType: elemOf(view, node) }],
      };
      if (node.outputs[3] && (intAttr(node, 'qk_output') ?? 0) === 1) {
        unavailable.push({ node: label, reason: 'its qk output is already used before softmax (qk_output=1)' });
        continue;
      }
      out.push(found(view, node, name, intAttr(node, 'num_heads'), optionalMask(view, node.inputs[10], 'additive'), undefined, edit));
    } else if (node.domain === '' && node.opType === 'Attention' && view.opset >= 23) {
      const mode = intAttr(node, 'qk_matmul_output_mode') ?? 0;
      if (node.outputs[3] && mode !== 3) {
        unavailable.push({ node: label, reason: `its qk_matmul_output is already used with qk_matmul_output_mode=${mode}` });
        continue;
      }
      const name = node.outputs[3] || createdName(node, 'attention_probs');
      const edit: NodeEdit = {
        outputs: withOutput(node, 3, name),
        setInts: { qk_matmul_output_mode: 3 },
        valueInfo: [{ name, elemType: elemOf(view, node) }],
      };
      const q = view.info(node.inputs[0] ?? '')?.shape;
      const heads = intAttr(node, 'q_num_heads') ?? (q?.length === 4 && typeof q[1] === 'number' ? q[1] : null);
      out.push(found(view, node, name, heads, optionalMask(view, node.inputs[3], 'keep-where-true'), node.inputs[1], edit));
    } else if (node.domain === 'com.microsoft' && node.opType === 'Attention') {
      // No probability output: the appended nodes recompute them (and the mask applied) from the op's inputs.
      const r = recomputeAttention(view, node, createdName(node, 'recompute'));
      if ('reason' in r) {
        unavailable.push({ node: label, reason: `com.microsoft Attention: its probabilities cannot be recomputed: ${r.reason}` });
        continue;
      }
      const edit: NodeEdit = { addNodes: r.nodes };
      const mask: MaskRef | null = r.mask ? { tensor: r.mask, kind: 'additive', origins: r.maskOrigins, created: true } : null;
      out.push(found(view, node, r.probs, r.heads, mask, undefined, edit));
    } else if (node.domain === 'com.microsoft' && UNAVAILABLE[node.opType]) {
      unavailable.push({ node: label, reason: UNAVAILABLE[node.opType] });
    }
  }
  return out;
}
