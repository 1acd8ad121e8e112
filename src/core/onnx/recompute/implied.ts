// The mask a fused attention kernel applies inside itself, from the op's inputs and attributes alone, so the mask
// inspector can show it ("implied by <op>") beside the observed one (the exact zeros of the captured probabilities).
// The rules follow ONNX Runtime's CPU kernels: com.microsoft Attention (attention_cpu_base: mask_index forms,
// unidirectional aligned to the end of the keys), GroupQueryAttention (seqlens_k + 1 keys per row; the query at
// position p sees local_window_size keys, its own included: p − local_window_size + 1 … p, as onnxruntime-node 1.30's
// CPU kernel computes its output — checked against a reference, see fused-implied.test.ts) and ONNX Attention (is_causal: the spec's words say
// upper-left, but onnxruntime-node 1.30's CPU kernel, checked with a past_key, aligns it to the end of the keys like
// the others — the same thing when there is no past).
import type { GraphView } from '../graphView';
import type { ImpliedMask, NodeInfo } from '../types';
import { rankThrough } from './shapes';

function int(node: NodeInfo, name: string, fallback: number): number {
  const v = node.attributes[name];
  return typeof v === 'number' ? v : fallback;
}

function label(op: string, parts: string[]): string {
  return `implied by ${op}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** The mask a fused op applies inside its kernel, or null when the op is not one whose mask lives in the kernel. */
export function describeImpliedMask(view: GraphView, node: NodeInfo): ImpliedMask | null {
  if (node.domain === 'com.microsoft' && node.opType === 'Attention') {
    const op = 'com.microsoft Attention';
    const causal = int(node, 'unidirectional', 0) === 1 ? ('end' as const) : null;
    const mask = node.inputs[3] || '';
    const rank = mask ? rankThrough(view, mask) : undefined;
    const form: PaddingForm | null = rank === 2 ? '2d' : rank === 3 ? '3d' : rank === 1 ? (oneDForm(view, mask) ?? null) : null;
    const padding = mask && form ? { input: mask, form } : null;
    const parts = [...(causal ? ['unidirectional=1'] : []), ...(padding ? [`${formWords[padding.form]} ${mask}`] : [])];
    return { label: label(op, parts), op, causal, window: null, padding };
  }
  if (node.domain === 'com.microsoft' && node.opType === 'DecoderMaskedMultiHeadAttention') {
    // One new token per step: it sees every key so far, except those its 2-D mask_index hides.
    const op = 'com.microsoft DecoderMaskedMultiHeadAttention';
    const mask = node.inputs[3] || '';
    const padding = mask ? { input: mask, form: '2d' as const } : null;
    return { label: label(op, ['causal', ...(padding ? [`2-D mask_index ${mask}`] : [])]), op, causal: 'end', window: null, padding };
  }
  if (node.domain === 'com.microsoft' && node.opType === 'GroupQueryAttention') {
    const op = 'com.microsoft GroupQueryAttention';
    const w = int(node, 'local_window_size', -1);
    const window = w >= 0 ? w : null;
    const seqlens = node.inputs[5] || '';
    const padding = seqlens ? { input: seqlens, form: 'seqlens-k' as const } : null;
    const parts = ['causal', ...(window !== null ? [`local_window_size=${window}`] : []), ...(padding ? [`seqlens_k ${seqlens}`] : [])];
    return { label: label(op, parts), op, causal: 'end', window, padding };
  }
  if (node.domain === '' && node.opType === 'Attention' && int(node, 'is_causal', 0) === 1) {
    return { label: label('Attention', ['is_causal=1']), op: 'Attention', causal: 'end', window: null, padding: null };
  }
  return null;
}

type PaddingForm = NonNullable<ImpliedMask['padding']>['form'];

const formWords: Record<PaddingForm, string> = {
  '2d': '2-D mask_index',
  '3d': '3-D mask_index',
  '1d-end': 'end positions in mask_index',
  '1d-end-start': 'end and start positions in mask_index',
  'seqlens-k': 'seqlens_k',
};

/** A 1-D mask_index is [batch] end positions or [2·batch] end and start positions: told apart by its recorded length. */
function oneDForm(view: GraphView, mask: string): '1d-end' | '1d-end-start' | undefined {
  const dim = view.info(mask)?.shape?.[0];
  if (typeof dim === 'string' && /2\s*\*|\*\s*2/.test(dim)) return '1d-end-start';
  return typeof dim === 'string' || dim === undefined || dim === null ? '1d-end' : undefined;
}

// The grid itself is pure (no graph): it lives beside the mask checks, which the extension host may load.
export { impliedVisibility, type ImpliedMaskInputs } from '../../masks/impliedVisibility';
