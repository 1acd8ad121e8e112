// A decoder graph shaped like a TorchScript export of a Hugging Face model: module-scoped node names
// (`/model/layers.0/self_attn/Softmax`), explicit softmax attention, an HF-style additive mask (0 / float32 min)
// built from `attention_mask` and a Range/LessOrEqual causal construction, pre-LN blocks, optional KV cache,
// optional cross attention (T5/Bart-like decoder) or a bidirectional encoder.
import type { onnx } from 'onnx-proto';
import { type AttrValue, T, constant, floatTensor, int64Tensor, node, vi } from './onnxBuild';

export interface GptSpec {
  layers: number;
  hidden: number;
  heads: number;
  vocab: number;
  ffn?: number;
  /** Takes past_key_values.N.key/value, concatenates, returns present.N.key/value. */
  past?: boolean;
  /** Cross attention over encoder_hidden_states (or, with `past`, over past_key_values.N.encoder.*). */
  cross?: boolean;
  /** A bidirectional encoder returning last_hidden_state. */
  encoder?: boolean;
  /** Record the probabilities' shapes in value_info (the TorchScript exporter does). */
  valueInfo?: boolean;
}

/** An initializer to generate: random values in ±scale (or fixed values). */
export interface InitSpec {
  name: string;
  dims: number[];
  seed: number;
  scale: number;
  /** 1 + noise instead of noise (LayerNorm scales). */
  one?: boolean;
}

export interface GptParts {
  nodes: onnx.INodeProto[];
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  valueInfo: onnx.IValueInfoProto[];
  initializers: InitSpec[];
}

export function gptGraph(spec: GptSpec): GptParts {
  const { layers, hidden: d, heads: H, vocab } = spec;
  const ffn = spec.ffn ?? 4 * d;
  const dh = d / H;
  const nodes: onnx.INodeProto[] = [];
  const initializers: InitSpec[] = [];
  const valueInfo: onnx.IValueInfoProto[] = [];
  const counters = new Map<string, number>();
  let seed = 1;

  /** Adds a node named like TorchScript does: `<scope>/<Op>[_k]`, output `<name>_output_0`. */
  const op = (type: string, inputs: string[], scope: string, attrs: Record<string, AttrValue> = {}, outName?: string): string => {
    const key = `${scope}/${type}`;
    const k = counters.get(key) ?? 0;
    counters.set(key, k + 1);
    const name = k === 0 ? key : `${key}_${k}`;
    const out = outName ?? `${name}_output_0`;
    nodes.push(node(type, inputs, [out], name, attrs));
    return out;
  };
  const constI = (scope: string, values: number[], dims?: number[]) => {
    const out = op('Constant', [], scope);
    nodes[nodes.length - 1] = constant(out, int64Tensor('', values, dims ?? [values.length]), nodes[nodes.length - 1].name!);
    return out;
  };
  const constF = (scope: string, value: number) => {
    const out = op('Constant', [], scope);
    nodes[nodes.length - 1] = constant(out, floatTensor('', [value], []), nodes[nodes.length - 1].name!);
    return out;
  };
  const weight = (name: string, dims: number[], scale: number, one = false) => {
    initializers.push({ name, dims, seed: seed++, scale, one });
    return name;
  };
  const linear = (x: string, scope: string, name: string, inDim: number, outDim: number) => {
    const w = weight(`${name}.weight`, [inDim, outDim], 1 / Math.sqrt(inDim));
    const b = weight(`${name}.bias`, [outDim], 0.02);
    return op('Add', [op('MatMul', [x, w], scope), b], scope);
  };
  const layerNorm = (x: string, scope: string, name: string) =>
    op('LayerNormalization', [x, weight(`${name}.weight`, [d], 0.05, true), weight(`${name}.bias`, [d], 0.02)], scope, {
      axis: -1,
      epsilon: { float: 1e-5 },
    });

  const inputs: onnx.IValueInfoProto[] = [
    vi('input_ids', T.INT64, ['batch_size', 'sequence_length']),
    vi('attention_mask', T.INT64, ['batch_size', 'total_sequence_length']),
  ];
  const outputs: onnx.IValueInfoProto[] = [];
  const crossFromPast = spec.cross && spec.past;
  if (spec.cross && !spec.past) {
    inputs.push(vi('encoder_hidden_states', T.FLOAT, ['batch_size', 'encoder_sequence_length', d]));
  }
  if (spec.cross) inputs.push(vi('encoder_attention_mask', T.INT64, ['batch_size', 'encoder_sequence_length']));

  // Masks, built where HF builds them: at the model scope, once, from attention_mask and positions.
  const m = '/model';
  const minF = constF(m, -3.4028234663852886e38);
  const zeroF = constF(m, 0);
  const padOk = op('Unsqueeze', [op('Cast', ['attention_mask'], m, { to: T.BOOL }), constI(m, [1, 2])], m);
  let selfMask: string;
  if (spec.encoder) {
    selfMask = op('Where', [padOk, zeroF, minF], m);
  } else {
    const seq = op('Gather', [op('Shape', ['input_ids'], m), constI(m, [1], [])], m, { axis: 0 });
    const total = op('Gather', [op('Shape', ['attention_mask'], m), constI(m, [1], [])], m, { axis: 0 });
    const one = constI(m, [1], []);
    const rows = op('Unsqueeze', [op('Range', [op('Sub', [total, seq], m), total, one], m), constI(m, [1])], m);
    const cols = op('Unsqueeze', [op('Range', [constI(m, [0], []), total, one], m), constI(m, [0])], m);
    const allowed = op('And', [op('LessOrEqual', [cols, rows], m), padOk], m);
    selfMask = op('Where', [allowed, zeroF, minF], m);
  }
  let crossMask = '';
  if (spec.cross) {
    const encOk = op('Unsqueeze', [op('Cast', ['encoder_attention_mask'], m, { to: T.BOOL }), constI(m, [1, 2])], m);
    crossMask = op('Where', [encOk, zeroF, minF], m);
  }

  const headsShape = constI(m, [0, 0, H, dh]);
  const mergeShape = constI(m, [0, 0, d]);
  const scale = constF(m, Math.sqrt(dh));
  const split = (x: string, scope: string) => op('Transpose', [op('Reshape', [x, headsShape], scope)], scope, { perm: [0, 2, 1, 3] });

  const attention = (
    scope: string,
    name: string,
    xq: string,
    kv: string | null,
    mask: string,
    past: { key: string; value: string } | null,
    present: { key: string; value: string } | null,
  ) => {
    const q = split(linear(xq, scope, `${name}.q_proj`, d, d), scope);
    let k: string;
    let v: string;
    if (kv === null) {
      k = past!.key; // cross attention served from the encoder cache
      v = past!.value;
    } else {
      k = split(linear(kv, scope, `${name}.k_proj`, d, d), scope);
      v = split(linear(kv, scope, `${name}.v_proj`, d, d), scope);
      if (past) {
        k = op('Concat', [past.key, k], scope, { axis: 2 }, present?.key);
        v = op('Concat', [past.value, v], scope, { axis: 2 }, present?.value);
      } else if (present) {
        k = op('Identity', [k], scope, {}, present.key);
        v = op('Identity', [v], scope, {}, present.value);
      }
    }
    const scores = op('Div', [op('MatMul', [q, op('Transpose', [k], scope, { perm: [0, 1, 3, 2] })], scope), scale], scope);
    const probs = op('Softmax', [op('Add', [scores, mask], scope)], scope, { axis: -1 });
    if (spec.valueInfo)
      valueInfo.push(
        vi(probs, T.FLOAT, [
          'batch_size',
          H,
          'sequence_length',
          kv === null || name.includes('encoder') ? 'encoder_sequence_length' : 'total_sequence_length',
        ]),
      );
    const ctx = op('Reshape', [op('Transpose', [op('MatMul', [probs, v], scope)], scope, { perm: [0, 2, 1, 3] }), mergeShape], scope);
    return linear(ctx, scope, `${name}.out_proj`, d, d);
  };

  const cacheDims = (len: string) => ['batch_size', H, len, dh];
  let h = op('Gather', [weight('model.embed_tokens.weight', [vocab, d], 0.5), 'input_ids'], '/model/embed_tokens', { axis: 0 });
  for (let i = 0; i < layers; i++) {
    const L = `/model/layers.${i}`;
    const p = `model.layers.${i}`;
    const selfTag = spec.cross ? '.decoder' : '';
    let past = null;
    let present = null;
    if (!spec.encoder) {
      present = { key: `present.${i}${selfTag}.key`, value: `present.${i}${selfTag}.value` };
      outputs.push(
        vi(present.key, T.FLOAT, cacheDims('total_sequence_length')),
        vi(present.value, T.FLOAT, cacheDims('total_sequence_length')),
      );
    }
    if (spec.past) {
      past = { key: `past_key_values.${i}${selfTag}.key`, value: `past_key_values.${i}${selfTag}.value` };
      inputs.push(vi(past.key, T.FLOAT, cacheDims('past_sequence_length')), vi(past.value, T.FLOAT, cacheDims('past_sequence_length')));
    }
    const x = layerNorm(h, `${L}/self_attn_layer_norm`, `${p}.self_attn_layer_norm`);
    const a = attention(`${L}/self_attn`, `${p}.self_attn`, x, x, selfMask, past, present);
    h = op('Add', [h, a], L);
    if (spec.cross) {
      const x = layerNorm(h, `${L}/encoder_attn_layer_norm`, `${p}.encoder_attn_layer_norm`);
      let c: string;
      if (crossFromPast) {
        const enc = { key: `past_key_values.${i}.encoder.key`, value: `past_key_values.${i}.encoder.value` };
        inputs.push(
          vi(enc.key, T.FLOAT, cacheDims('encoder_sequence_length')),
          vi(enc.value, T.FLOAT, cacheDims('encoder_sequence_length')),
        );
        c = attention(`${L}/encoder_attn`, `${p}.encoder_attn`, x, null, crossMask, enc, null);
      } else {
        const enc = { key: `present.${i}.encoder.key`, value: `present.${i}.encoder.value` };
        outputs.push(
          vi(enc.key, T.FLOAT, cacheDims('encoder_sequence_length')),
          vi(enc.value, T.FLOAT, cacheDims('encoder_sequence_length')),
        );
        c = attention(`${L}/encoder_attn`, `${p}.encoder_attn`, x, 'encoder_hidden_states', crossMask, null, enc);
      }
      h = op('Add', [h, c], L);
    }
    const f = linear(
      op(
        'Relu',
        [linear(layerNorm(h, `${L}/final_layer_norm`, `${p}.final_layer_norm`), `${L}/fc1`, `${p}.fc1`, d, ffn)],
        `${L}/activation_fn`,
      ),
      `${L}/fc2`,
      `${p}.fc2`,
      ffn,
      d,
    );
    h = op('Add', [h, f], L);
  }
  const normed = layerNorm(h, '/model/norm', 'model.norm');
  if (spec.encoder) {
    nodes.push(node('Identity', [normed], ['last_hidden_state'], '/model/Identity_out'));
    outputs.unshift(vi('last_hidden_state', T.FLOAT, ['batch_size', 'sequence_length', d]));
  } else {
    op('MatMul', [normed, weight('lm_head.weight', [d, vocab], 1 / Math.sqrt(d))], '/lm_head', {}, 'logits');
    outputs.unshift(vi('logits', T.FLOAT, ['batch_size', 'sequence_length', vocab]));
  }
  return { nodes, inputs, outputs, valueInfo, initializers };
}
