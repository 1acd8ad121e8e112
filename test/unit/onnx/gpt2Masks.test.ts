import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, fillRandom, floatTensor, int64Tensor, model, node, vi } from '../../../bench/graph/onnxBuild';
import { booleanMaskVisibility, buildTappedModel, findTaps, maskVisibility, readModel } from '../../../src/core/onnx';
import { assertProbabilities, ort, writeTmp } from './helpers';

/** GPT-2 as exported from transformers: a stored tril buffer selects through Where, then an additive padding mask. */
function gpt2Attention(): Uint8Array {
  const s = '/transformer/h.0/attn';
  const tril = Uint8Array.from({ length: 64 }, (_, i) => (i % 8 <= Math.floor(i / 8) ? 1 : 0));
  return model({
    name: 'g',
    node: [
      node('Slice', ['transformer.h.0.attn.bias', 'zero2', 'three2', 'axes23'], [`${s}/Slice_output_0`], `${s}/Slice`),
      node('Transpose', ['k'], [`${s}/Transpose_output_0`], `${s}/Transpose`, { perm: [0, 1, 3, 2] }),
      node('MatMul', ['q', `${s}/Transpose_output_0`], [`${s}/MatMul_output_0`], `${s}/MatMul`),
      node('Where', [`${s}/Slice_output_0`, `${s}/MatMul_output_0`, 'min'], [`${s}/Where_output_0`], `${s}/Where`),
      node('Cast', ['attention_mask'], ['/transformer/Cast_output_0'], '/transformer/Cast', { to: T.FLOAT }),
      node('Sub', ['one', '/transformer/Cast_output_0'], ['/transformer/Sub_output_0'], '/transformer/Sub'),
      node('Mul', ['/transformer/Sub_output_0', 'min'], ['/transformer/Mul_output_0'], '/transformer/Mul'),
      node('Unsqueeze', ['/transformer/Mul_output_0', 'axes12'], ['/transformer/Unsqueeze_output_0'], '/transformer/Unsqueeze'),
      node('Add', [`${s}/Where_output_0`, '/transformer/Unsqueeze_output_0'], [`${s}/Add_output_0`], `${s}/Add`),
      node('Softmax', [`${s}/Add_output_0`], [`${s}/Softmax_output_0`], `${s}/Softmax`, { axis: -1 }),
      node('MatMul', [`${s}/Softmax_output_0`, 'v'], ['y'], `${s}/MatMul_1`),
    ],
    input: [
      vi('q', T.FLOAT, [1, 2, 3, 4]),
      vi('k', T.FLOAT, [1, 2, 3, 4]),
      vi('v', T.FLOAT, [1, 2, 3, 4]),
      vi('attention_mask', T.INT64, [1, 3]),
    ],
    output: [vi('y', T.FLOAT)],
    initializer: [
      { name: 'transformer.h.0.attn.bias', dims: [1, 1, 8, 8], dataType: T.BOOL, rawData: tril },
      int64Tensor('zero2', [0, 0]),
      int64Tensor('three2', [3, 3]),
      int64Tensor('axes23', [2, 3]),
      int64Tensor('axes12', [1, 2]),
      floatTensor('min', [-3.4028234663852886e38], []),
      floatTensor('one', [1], []),
    ],
  });
}

describe('two masks on one attention (GPT-2 export)', () => {
  it('finds the causal Where and the additive padding mask, and returns both', async () => {
    const path = writeTmp('gpt2-attn.onnx', gpt2Attention());
    const [a] = findTaps(await readModel(path)).attention;
    assert.deepEqual(
      a.masks.map((m) => [m.tensor, m.kind, m.origins]),
      [
        ['/transformer/Unsqueeze_output_0', 'additive', ['input']],
        ['/transformer/h.0/attn/Slice_output_0', 'keep-where-true', ['causal']],
      ],
    );
    assert.equal(a.mask, '/transformer/Unsqueeze_output_0');
    const tapped = await buildTappedModel(path);
    assert.deepEqual(
      tapped.outputs.map((o) => [o.id, o.maskKind]),
      [
        ['attn.self.0', undefined],
        ['mask.self.0', 'additive'],
        ['mask.self.0.1', 'keep-where-true'],
      ],
    );
    const session = await ort.InferenceSession.create(tapped.bytes);
    try {
      const t = (seed: number) => new ort.Tensor('float32', fillRandom(new Float32Array(24), seed, 1), [1, 2, 3, 4]);
      const got = await session.run({
        q: t(1),
        k: t(2),
        v: t(3),
        attention_mask: new ort.Tensor('int64', BigInt64Array.from([0n, 1n, 1n]), [1, 3]),
      });
      assertProbabilities(got[tapped.outputs[0].output], { heads: 2, queries: 3, keys: 3, causalPast: 0, hiddenKeys: [[0]] }, 'gpt2');
      assert.deepEqual([...maskVisibility(got['/transformer/Unsqueeze_output_0'].data as Float32Array)], [0, 1, 1]);
      assert.deepEqual(
        [...booleanMaskVisibility(got['/transformer/h.0/attn/Slice_output_0'].data as Uint8Array, true)],
        [1, 0, 0, 1, 1, 0, 1, 1, 1],
      );
    } finally {
      await session.release();
    }
  });
});
