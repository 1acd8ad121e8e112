/**
 * A GPT-2-small-shaped decoder (12 layers, 12 heads, 768 wide, random weights), generated for the benchmarks:
 * one ONNX file with past_key_values inputs (the layout transformers.js reads as onnx/model.onnx), explicit
 * softmax attention under TorchScript-style scope names, and HF's additive mask (finfo(float32).min).
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder, randomWeights } from './graphBuilder';

export interface Gpt2Shape {
  layers: number;
  heads: number;
  width: number;
  vocab: number;
  positions: number;
}

export const GPT2_SMALL: Gpt2Shape = { layers: 12, heads: 12, width: 768, vocab: 50265, positions: 1024 };
const FMIN = -3.4028234663852886e38;

export function buildGpt2(shape: Gpt2Shape, seed = 1): Uint8Array {
  const { layers, heads, width: d, vocab, positions } = shape;
  const headDim = d / heads;
  const g = new GraphBuilder();
  let seedCounter = seed;
  const w = (name: string, dims: number[], std = 0.02) => g.floats(name, dims, randomWeights(dims.reduce((a, b) => a * b, 1), std, seedCounter++));
  const constant = (name: string, dims: number[], value: number) => g.floats(name, dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value));

  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const pos = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const past = Array.from({ length: layers }, (_, i) => ({
    key: g.input(`past_key_values.${i}.key`, 'float32', ['batch_size', heads, 'past_sequence_length', headDim]),
    value: g.input(`past_key_values.${i}.value`, 'float32', ['batch_size', heads, 'past_sequence_length', headDim]),
  }));
  g.output('logits', 'float32', ['batch_size', 'sequence_length', vocab]);

  const wte = w('transformer.wte.weight', [vocab, d]);
  const wpe = w('transformer.wpe.weight', [positions, d], 0.01);
  let h = g.one('/transformer', 'Add', [g.one('/transformer/wte', 'Gather', [wte, ids]), g.one('/transformer/wpe', 'Gather', [wpe, pos])]);

  // The additive mask, built once as HF does: causal (Trilu shifted by the past length) × padding, then (1 - m) · min.
  const s = '/transformer/mask';
  const seqLen = g.one(s, 'Gather', [g.one(s, 'Shape', [ids]), g.ints('mask.idx1', [1])]);
  const totalLen = g.one(s, 'Gather', [g.one(s, 'Shape', [mask]), g.ints('mask.idx1b', [1])]);
  const pastLen = g.one(s, 'Squeeze', [g.one(s, 'Sub', [totalLen, seqLen])]);
  const ones = g.one(s, 'ConstantOfShape', [g.one(s, 'Concat', [seqLen, totalLen], { axis: 0 })]);
  const causal = g.one(s, 'Trilu', [g.one(s, 'Cast', [ones], { to: 1 }), pastLen], { upper: 0 });
  const padding = g.one(s, 'Unsqueeze', [g.one(s, 'Cast', [mask], { to: 1 }), g.ints('mask.axes12', [1, 2])]);
  const visible = g.one(s, 'Mul', [g.one(s, 'Unsqueeze', [causal, g.ints('mask.axes01', [0, 1])]), padding]);
  const bias = g.one(s, 'Mul', [g.one(s, 'Sub', [g.scalar('mask.one', 1), visible]), g.scalar('mask.min', FMIN)]);

  const splitSizes = g.ints('split.qkv', [d, d, d]);
  const toHeads = g.ints('shape.heads', [0, 0, heads, headDim]);
  const toWidth = g.ints('shape.width', [0, 0, d]);
  for (let i = 0; i < layers; i++) {
    const p = `transformer.h.${i}`;
    const a = `/transformer/h.${i}/attn`;
    const x = g.one(`/transformer/h.${i}/ln_1`, 'LayerNormalization', [h, constant(`${p}.ln_1.weight`, [d], 1), constant(`${p}.ln_1.bias`, [d], 0)], { axis: -1, epsilon: { float: 1e-5 } });
    const qkv = g.one(a, 'Add', [g.one(a, 'MatMul', [x, w(`${p}.attn.c_attn.weight`, [d, 3 * d])]), constant(`${p}.attn.c_attn.bias`, [3 * d], 0)]);
    const [q, k, v] = g.node(a, 'Split', [qkv, splitSizes], 3, { axis: 2 });
    const heads4 = (t: string) => g.one(a, 'Transpose', [g.one(a, 'Reshape', [t, toHeads])], { perm: [0, 2, 1, 3] });
    const key = g.node(a, 'Concat', [past[i].key, heads4(k)], 1, { axis: 2 }, [`present.${i}.key`])[0];
    const value = g.node(a, 'Concat', [past[i].value, heads4(v)], 1, { axis: 2 }, [`present.${i}.value`])[0];
    g.output(key, 'float32', ['batch_size', heads, 'total_sequence_length', headDim]);
    g.output(value, 'float32', ['batch_size', heads, 'total_sequence_length', headDim]);
    const scores = g.one(a, 'Mul', [g.one(a, 'MatMul', [heads4(q), g.one(a, 'Transpose', [key], { perm: [0, 1, 3, 2] })]), g.scalar(`${p}.attn.scale`, 1 / Math.sqrt(headDim))]);
    const probs = g.one(a, 'Softmax', [g.one(a, 'Add', [scores, bias])], { axis: -1 });
    const context = g.one(a, 'Reshape', [g.one(a, 'Transpose', [g.one(a, 'MatMul', [probs, value])], { perm: [0, 2, 1, 3] }), toWidth]);
    const attnOut = g.one(a, 'Add', [g.one(a, 'MatMul', [context, w(`${p}.attn.c_proj.weight`, [d, d])]), constant(`${p}.attn.c_proj.bias`, [d], 0)]);
    h = g.one(`/transformer/h.${i}`, 'Add', [h, attnOut]);
    const m = `/transformer/h.${i}/mlp`;
    const x2 = g.one(`/transformer/h.${i}/ln_2`, 'LayerNormalization', [h, constant(`${p}.ln_2.weight`, [d], 1), constant(`${p}.ln_2.bias`, [d], 0)], { axis: -1, epsilon: { float: 1e-5 } });
    const up = g.one(m, 'Add', [g.one(m, 'MatMul', [x2, w(`${p}.mlp.c_fc.weight`, [d, 4 * d])]), constant(`${p}.mlp.c_fc.bias`, [4 * d], 0)]);
    const gelu = g.one(m, 'Mul', [g.one(m, 'Mul', [up, g.scalar(`${p}.mlp.half`, 0.5)]), g.one(m, 'Add', [g.scalar(`${p}.mlp.one`, 1), g.one(m, 'Erf', [g.one(m, 'Div', [up, g.scalar(`${p}.mlp.sqrt2`, Math.SQRT2)])])])]);
    const down = g.one(m, 'Add', [g.one(m, 'MatMul', [gelu, w(`${p}.mlp.c_proj.weight`, [4 * d, d])]), constant(`${p}.mlp.c_proj.bias`, [d], 0)]);
    h = g.one(`/transformer/h.${i}`, 'Add', [h, down]);
  }
  const hf = g.one('/transformer/ln_f', 'LayerNormalization', [h, constant('transformer.ln_f.weight', [d], 1), constant('transformer.ln_f.bias', [d], 0)], { axis: -1, epsilon: { float: 1e-5 } });
  // The LM head is tied to the embedding (as GPT-2's is): Gemm with transB reads wte without a copy.
  const flat = g.one('/lm_head', 'Reshape', [hf, g.ints('shape.flat', [-1, d])]);
  const logits2d = g.one('/lm_head', 'Gemm', [flat, wte], { transB: 1 });
  const outShape = g.one('/lm_head', 'Concat', [g.one('/lm_head', 'Slice', [g.one('/lm_head', 'Shape', [ids]), g.ints('slice.0', [0]), g.ints('slice.2', [2])]), g.ints('shape.vocab', [vocab])], { axis: 0 });
  g.node('/lm_head', 'Reshape', [logits2d, outShape], 1, {}, ['logits']);
  return g.encode(17);
}

/**
 * The bench model folder (cached in the OS temp dir): onnx/model.onnx, config.json, generation_config.json and
 * a tokenizer.json (the real RoBERTa byte-level BPE from ../shared when present, else the fixture tokenizer).
 */
export function ensureGpt2Folder(tokenizerDir: string, shape = GPT2_SMALL): string {
  const dir = join(tmpdir(), 'decoder-lens-bench', `gpt2-${shape.layers}x${shape.heads}x${shape.width}-v1`);
  const modelFile = join(dir, 'onnx', 'model.onnx');
  if (!existsSync(modelFile)) {
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(modelFile + '.partial', buildGpt2(shape));
    renameSync(modelFile + '.partial', modelFile);
  }
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) if (existsSync(join(tokenizerDir, f))) copyFileSync(join(tokenizerDir, f), join(dir, f));
  // Random weights: an eos the model never prefers keeps generations the same length everywhere.
  const eos = shape.vocab - 1;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: shape.vocab, n_layer: shape.layers, n_head: shape.heads, n_embd: shape.width, n_positions: shape.positions, bos_token_id: 0, eos_token_id: eos, use_cache: true }));
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 0, eos_token_id: eos, max_new_tokens: 64 }));
  return dir;
}
