import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, fillRandom, floatTensor, model, node, vi } from '../../../bench/graph/onnxBuild';
import { buildTappedModel, findTaps, readModel } from '../../../src/core/onnx';
import { assertClose, assertProbabilities, ort, writeTmp } from './helpers';

const B = 1;
const S = 3;
const H = 2;
const D = 8; // GroupQueryAttention on CPU wants a head size that is a multiple of 8
const E = H * D;
const ms = { msOpset: true };
const rand = (n: number, seed: number) =>
  new ort.Tensor('float32', fillRandom(new Float32Array(n), seed, 1), n === B * S * E ? [B, S, E] : [B, H, S, D]);

async function tapAndRun(path: string, feeds: Record<string, ort.Tensor>) {
  const tapped = await buildTappedModel(path);
  const session = await ort.InferenceSession.create(tapped.bytes);
  const plain = await ort.InferenceSession.create(path);
  try {
    const got = await session.run(feeds);
    const want = await plain.run(feeds);
    // Switching a score output on may route the op through another kernel: equal within float rounding.
    for (const name of plain.outputNames) assertClose(got[name], want[name], `${name} with and without the tap`);
    return { tapped, got };
  } finally {
    await session.release();
    await plain.release();
  }
}

/** Reference softmax(Q·Kᵀ/√d + bias) for [B, S, E] inputs split into H heads. */
function referenceProbs(q: Float32Array, k: Float32Array, bias: Float32Array): Float32Array {
  const out = new Float32Array(B * H * S * S);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < S; i++) {
      const row = Array.from({ length: S }, (_, j) => {
        let dot = 0;
        for (let x = 0; x < D; x++) dot += q[i * E + h * D + x] * k[j * E + h * D + x];
        return dot / Math.sqrt(D) + bias[(h * S + i) * S + j];
      });
      const max = Math.max(...row);
      const e = row.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((v, j) => (out[(h * S + i) * S + j] = v / sum));
    }
  }
  return out;
}

describe('fused attention ops', () => {
  it('com.microsoft MultiHeadAttention: its pre-softmax qk output is switched on and normalised', async () => {
    const bytes = model(
      {
        name: 'g',
        node: [
          node(
            'MultiHeadAttention',
            ['q', 'k', 'v', '', '', 'bias'],
            ['y'],
            '/model/layers.0/attn/MultiHeadAttention',
            { num_heads: H },
            'com.microsoft',
          ),
        ],
        input: [vi('q', T.FLOAT, [B, S, E]), vi('k', T.FLOAT, [B, S, E]), vi('v', T.FLOAT, [B, S, E]), vi('bias', T.FLOAT, [B, H, S, S])],
        output: [vi('y', T.FLOAT)],
      },
      ms,
    );
    const path = writeTmp('mha.onnx', bytes);
    const r = findTaps(await readModel(path));
    assert.deepEqual(
      r.attention.map((a) => [a.id, a.heads, a.source, a.mask, a.opType]),
      [['attn.self.0', H, 'fused', 'bias', 'MultiHeadAttention']],
    );
    const bias = new Float32Array(B * H * S * S).map((_, i) => (i % S > Math.floor(i / S) % S ? -1e9 : 0)); // causal
    const feeds = {
      q: rand(B * S * E, 1),
      k: rand(B * S * E, 2),
      v: rand(B * S * E, 3),
      bias: new ort.Tensor('float32', bias, [B, H, S, S]),
    };
    const { tapped, got } = await tapAndRun(path, feeds);
    const probs = got[tapped.outputs[0].output];
    assertProbabilities(probs, { heads: H, queries: S, keys: S, causalPast: 0 }, 'MHA');
    const want = referenceProbs(feeds.q.data as Float32Array, feeds.k.data as Float32Array, bias);
    (probs.data as Float32Array).forEach((p, i) => assert.ok(Math.abs(p - want[i]) < 1e-5, `prob ${i}: ${p} vs ${want[i]}`));
  });

  it('com.microsoft GroupQueryAttention: qk_output=2 gives the probabilities as a 4th output', async () => {
    const bytes = model(
      {
        name: 'g',
        node: [
          node(
            'GroupQueryAttention',
            ['q', 'k', 'v', '', '', 'seqlens_k', 'total'],
            ['y', 'pk', 'pv'],
            'gqa',
            { num_heads: H, kv_num_heads: H },
            'com.microsoft',
          ),
        ],
        input: [
          vi('q', T.FLOAT, [B, S, E]),
          vi('k', T.FLOAT, [B, S, E]),
          vi('v', T.FLOAT, [B, S, E]),
          vi('seqlens_k', T.INT32, [B]),
          vi('total', T.INT32, []),
        ],
        output: [vi('y', T.FLOAT)],
      },
      ms,
    );
    const path = writeTmp('gqa.onnx', bytes);
    const r = findTaps(await readModel(path));
    assert.deepEqual(
      r.attention.map((a) => [a.id, a.heads, a.source]),
      [['attn.self.0', H, 'fused']],
    );
    const feeds = {
      q: rand(B * S * E, 1),
      k: rand(B * S * E, 2),
      v: rand(B * S * E, 3),
      seqlens_k: new ort.Tensor('int32', Int32Array.from([S - 1]), [B]),
      total: new ort.Tensor('int32', Int32Array.from([S]), []),
    };
    const { tapped, got } = await tapAndRun(path, feeds);
    assertProbabilities(got[tapped.outputs[0].output], { heads: H, queries: S, keys: S, causalPast: 0 }, 'GQA');
  });

  it('ONNX Attention (opset 23): qk_matmul_output_mode=3 gives the probabilities (ORT 1.30 CPU runs it)', async () => {
    const bytes = model(
      {
        name: 'g',
        node: [node('Attention', ['q', 'k', 'v'], ['y'], '/model/layers.0/self_attn/Attention', { is_causal: 1 })],
        input: [vi('q', T.FLOAT, [B, H, S, D]), vi('k', T.FLOAT, [B, H, S, D]), vi('v', T.FLOAT, [B, H, S, D])],
        output: [vi('y', T.FLOAT)],
      },
      { opset: 23, irVersion: 11 },
    );
    const path = writeTmp('attention23.onnx', bytes);
    const r = findTaps(await readModel(path));
    assert.deepEqual(
      r.attention.map((a) => [a.id, a.heads, a.source, a.opType]),
      [['attn.self.0', H, 'fused', 'Attention']],
    );
    const { tapped, got } = await tapAndRun(path, {
      q: rand(B * S * E + 0, 4).reshape([B, H, S, D]),
      k: rand(B * S * E, 5).reshape([B, H, S, D]),
      v: rand(B * S * E, 6).reshape([B, H, S, D]),
    });
    assertProbabilities(got[tapped.outputs[0].output], { heads: H, queries: S, keys: S, causalPast: 0 }, 'Attention-23');
  });

  it('SkipLayerNormalization: the residual sum (input_skip_bias_sum) is switched on as the hidden state', async () => {
    const ones = floatTensor('gamma', new Float32Array(E).fill(1), [E]);
    const zeros = floatTensor('beta', new Float32Array(E), [E]);
    const bytes = model(
      {
        name: 'g',
        node: [
          node('MultiHeadAttention', ['x', 'x', 'x'], ['a'], 'mha', { num_heads: H }, 'com.microsoft'),
          node('SkipLayerNormalization', ['a', 'x', 'gamma', 'beta'], ['y'], 'skipln', { epsilon: { float: 1e-5 } }, 'com.microsoft'),
        ],
        input: [vi('x', T.FLOAT, [B, S, E])],
        output: [vi('y', T.FLOAT)],
        initializer: [ones, zeros],
      },
      ms,
    );
    const path = writeTmp('skipln.onnx', bytes);
    const r = findTaps(await readModel(path));
    assert.deepEqual(
      r.hiddenStates.map((h) => [h.id, h.source]),
      [['hidden.0', 'skip-layernorm']],
    );
    const { tapped, got } = await tapAndRun(path, { x: rand(B * S * E, 9) });
    const sum = got[tapped.outputs.find((o) => o.tap === 'hidden')!.output].data as Float32Array;
    const y = got.y.data as Float32Array;
    // y = LayerNorm(sum) with gamma 1, beta 0: normalising the tapped sum must give y back.
    for (let row = 0; row < S; row++) {
      const v = sum.subarray(row * E, (row + 1) * E);
      const mean = v.reduce((a, b) => a + b, 0) / E;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / E + 1e-5);
      v.forEach((x, i) => assert.ok(Math.abs((x - mean) / sd - y[row * E + i]) < 1e-4));
    }
  });
});
