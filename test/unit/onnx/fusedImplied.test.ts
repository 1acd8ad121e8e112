// Masks applied inside fused kernels: the mask the op's inputs and attributes imply (impliedVisibility) against
// the observed one — the cells where the captured probabilities are exactly zero — for GroupQueryAttention's
// sliding window (local_window_size=3, tiny-gpt's layer-0 projections), com.microsoft Attention's mask_index and
// unidirectional, and ONNX Attention's is_causal with a past.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { T, fillRandom, model, node, vi } from '../../../bench/graph/onnxBuild';
import { buildTappedModel, findTaps, readModel } from '../../../src/core/onnx';
import { impliedVisibility } from '../../../src/core/onnx/recompute/implied';
import type { ImpliedMask } from '../../../src/core/onnx/types';
import { fixtureFile, ort, writeTmp } from './helpers';

const ops = JSON.parse(readFileSync(fixtureFile('fused-ops', 'reference.json'), 'utf8')) as {
  hidden: number[][][];
  mha: { attention_bias: number[][][][]; probs: number[][][][] };
  gqa: { local_window_size: number; kv_num_heads: number; probs: number[][][][]; output: number[][][] };
};
const HEADS = 4;
const HEAD_DIM = 16;

/** 1 where any head gives the cell a nonzero probability: [batch, queries, keys]. */
function observed(probs: ort.Tensor): Uint8Array {
  const [B, H, S, K] = probs.dims;
  const data = probs.data as Float32Array;
  const out = new Uint8Array(B * S * K);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) for (let i = 0; i < S * K; i++) if (data[(b * H + h) * S * K + i] !== 0) out[b * S * K + i] = 1;
  return out;
}

async function runTapped(path: string, feeds: Record<string, ort.Tensor>) {
  const tapped = await buildTappedModel(path);
  const session = await ort.InferenceSession.create(tapped.bytes);
  try {
    const out = await session.run(feeds);
    return { out, probs: out[tapped.outputs.find((o) => o.tap === 'attention')!.output], tapped };
  } finally {
    await session.release();
  }
}

const rows = (grid: Uint8Array, keys: number) =>
  Array.from({ length: grid.length / keys }, (_, r) => Array.from(grid.subarray(r * keys, (r + 1) * keys)).join(''));

describe('masks implied by fused ops, beside the observed ones', () => {
  it('GroupQueryAttention local_window_size=3: the band, in the prompt and in a decode step with a past', async () => {
    const path = fixtureFile('fused-ops', 'gqa_local_window.onnx');
    const report = findTaps(await readModel(path));
    const implied = report.attention[0]?.implied as ImpliedMask;
    assert.deepEqual(implied, {
      label: 'implied by com.microsoft GroupQueryAttention (causal, local_window_size=3, seqlens_k seqlens_k)',
      op: 'com.microsoft GroupQueryAttention',
      causal: 'end',
      window: 3,
      padding: { input: 'seqlens_k', form: 'seqlens-k' },
    });
    const S = ops.hidden[0].length;
    const kv = ops.gqa.kv_num_heads;
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, kv, 0, HEAD_DIM]);
    const prompt = await runTapped(path, {
      hidden: new ort.Tensor('float32', Float32Array.from(ops.hidden.flat(2)), [1, S, HEADS * HEAD_DIM]),
      past_key: empty(),
      past_value: empty(),
      seqlens_k: new ort.Tensor('int32', Int32Array.from([S - 1]), [1]),
      total_sequence_length: new ort.Tensor('int32', Int32Array.from([S]), []),
    });
    // The kernel's own output equals numpy's attention with a band of local_window_size keys, the query's own
    // included: what the window means, read from the kernel's output rather than from a tap.
    const y = ops.gqa.output.flat(2);
    (prompt.out.attn_output.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-4, `output ${i}: ${v} vs ${y[i]}`));
    const want = impliedVisibility(implied, { batch: 1, queries: S, keys: S, padding: [S - 1] });
    assert.deepEqual(rows(observed(prompt.probs), S), rows(want, S));
    // The band itself, written out: query p sees keys p − 2 … p.
    assert.deepEqual(rows(want, S), ['1000000', '1100000', '1110000', '0111000', '0011100', '0001110', '0000111']);
    // And the probabilities equal numpy's sliding-window softmax.
    const ref = ops.gqa.probs.flat(3);
    (prompt.probs.data as Float32Array).forEach((p, i) => assert.ok(Math.abs(p - ref[i]) < 1e-5, `prob ${i}: ${p} vs ${ref[i]}`));

    // One more token with the present as past: the query at position S sees keys S − 2 … S.
    const step = await runTapped(path, {
      hidden: new ort.Tensor('float32', Float32Array.from(ops.hidden[0][S - 1]), [1, 1, HEADS * HEAD_DIM]),
      past_key: prompt.out.present_key,
      past_value: prompt.out.present_value,
      seqlens_k: new ort.Tensor('int32', Int32Array.from([S]), [1]),
      total_sequence_length: new ort.Tensor('int32', Int32Array.from([S + 1]), []),
    });
    const wantStep = impliedVisibility(implied, { batch: 1, queries: 1, keys: S + 1, padding: [S] });
    assert.deepEqual(rows(observed(step.probs), S + 1), rows(wantStep, S + 1));
    assert.deepEqual(rows(wantStep, S + 1), ['00000111']);
  });

  it('com.microsoft Attention: unidirectional and the 2-D mask_index, as the recomputed probabilities show them', async () => {
    const path = fixtureFile('tiny-gpt-ort-optimized', 'decoder_model.onnx');
    const implied = findTaps(await readModel(path)).attention[0].implied!;
    const mask = [1, 1, 1, 0, 1, 0, 1, 1, 1, 1];
    const n = mask.length;
    const i64 = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, v.length]);
    const run = await runTapped(path, {
      input_ids: i64([280, 25, 312, 311, 325, 331, 303, 318, 329, 302]),
      attention_mask: i64(mask),
      position_ids: i64(mask.map((_, i) => i)),
    });
    const want = impliedVisibility(implied, { batch: 1, queries: n, keys: n, padding: mask });
    assert.deepEqual(rows(observed(run.probs), n), rows(want, n));
    assert.equal(rows(want, n)[4], '1110100000');
  });

  it('ONNX Attention is_causal with a past: the kernel aligns the causal mask to the end of the keys', async () => {
    const [B, H, S, P, D] = [1, 2, 2, 3, 8];
    const bytes = model(
      {
        name: 'g',
        node: [node('Attention', ['q', 'k', 'v', '', 'pk', 'pv'], ['y', 'present_k', 'present_v'], 'Attention_0', { is_causal: 1 })],
        input: [
          vi('q', T.FLOAT, [B, H, S, D]),
          vi('k', T.FLOAT, [B, H, S, D]),
          vi('v', T.FLOAT, [B, H, S, D]),
          vi('pk', T.FLOAT, [B, H, P, D]),
          vi('pv', T.FLOAT, [B, H, P, D]),
        ],
        output: [vi('y', T.FLOAT), vi('present_k', T.FLOAT), vi('present_v', T.FLOAT)],
      },
      { opset: 23, irVersion: 11 },
    );
    const path = writeTmp('attention23-past.onnx', bytes);
    const implied = findTaps(await readModel(path)).attention[0].implied!;
    assert.equal(implied.label, 'implied by Attention (is_causal=1)');
    const r = (dims: number[], seed: number) =>
      new ort.Tensor('float32', fillRandom(new Float32Array(dims.reduce((a, b) => a * b)), seed, 1), dims);
    const run = await runTapped(path, {
      q: r([B, H, S, D], 1),
      k: r([B, H, S, D], 2),
      v: r([B, H, S, D], 3),
      pk: r([B, H, P, D], 4),
      pv: r([B, H, P, D], 5),
    });
    const want = impliedVisibility(implied, { batch: B, queries: S, keys: P + S });
    assert.deepEqual(rows(observed(run.probs), P + S), rows(want, P + S));
    assert.deepEqual(rows(want, P + S), ['11110', '11111']);
  });

  it('MultiHeadAttention without its qk output: probabilities through the switched-on qk equal numpy', async () => {
    const path = fixtureFile('fused-ops', 'mha_no_qk.onnx');
    const S = ops.hidden[0].length;
    const run = await runTapped(path, {
      hidden: new ort.Tensor('float32', Float32Array.from(ops.hidden.flat(2)), [1, S, HEADS * HEAD_DIM]),
      attention_bias: new ort.Tensor('float32', Float32Array.from(ops.mha.attention_bias.flat(3)), [1, 1, S, S]),
    });
    assert.deepEqual(run.probs.dims, [1, HEADS, S, S]);
    const ref = ops.mha.probs.flat(3);
    (run.probs.data as Float32Array).forEach((p, i) => assert.ok(Math.abs(p - ref[i]) < 1e-5, `prob ${i}: ${p} vs ${ref[i]}`));
  });
});
