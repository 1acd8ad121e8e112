// The lens on generated models: LayerNormalization + MatMul, a Gemm head behind Reshapes, a tied head, and the
// messages when no head can be found. Runs the lens-tapped bytes with real ONNX Runtime.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type GptParts, type GptSpec } from '../../../bench/graph/gptGraph';
import { gptModel, mergedGptModel } from '../../../bench/graph/gptModel';
import { constant, int64Tensor, node } from '../../../bench/graph/onnxBuild';
import { softmax } from '../../../src/core/decode/sampling';
import { type LensModel, buildLensModel } from '../../../src/core/lens';
import { expectError, ort, writeTmp } from '../onnx/helpers';
import { synthFeeds } from '../onnx/synth';

const SPEC: GptSpec = { layers: 3, hidden: 16, heads: 4, vocab: 13 };

/** Replaces the head node making `logits` with other nodes (dropping lm_head.weight when they do not use it). */
function replaceHead(make: (normed: string) => ReturnType<typeof node>[]) {
  return (p: GptParts) => {
    const i = p.nodes.findIndex((n) => n.output?.includes('logits'));
    p.nodes.splice(i, 1, ...make(p.nodes[i].input![0]));
    if (!p.nodes.some((n) => n.input?.includes('lm_head.weight')))
      p.initializers = p.initializers.filter((t) => t.name !== 'lm_head.weight');
  };
}

const gemmHead = replaceHead((normed) => [
  constant('/lm_head/flat', int64Tensor('', [-1, SPEC.hidden])),
  node('Reshape', [normed, '/lm_head/flat'], ['/lm_head/x2'], '/lm_head/Reshape'),
  node('Transpose', ['lm_head.weight'], ['/lm_head/wT'], '/lm_head/Transpose', { perm: [1, 0] }),
  node('Gemm', ['/lm_head/x2', '/lm_head/wT'], ['/lm_head/y2'], '/lm_head/Gemm', { transB: 1 }),
  node('Shape', [normed], ['/lm_head/shape'], '/lm_head/Shape'),
  constant('/lm_head/zero', int64Tensor('', [0])),
  constant('/lm_head/two', int64Tensor('', [2])),
  node('Slice', ['/lm_head/shape', '/lm_head/zero', '/lm_head/two'], ['/lm_head/bs'], '/lm_head/Slice'),
  constant('/lm_head/vocab', int64Tensor('', [SPEC.vocab])),
  node('Concat', ['/lm_head/bs', '/lm_head/vocab'], ['/lm_head/shape3'], '/lm_head/Concat', { axis: 0 }),
  node('Reshape', ['/lm_head/y2', '/lm_head/shape3'], ['logits'], '/lm_head/Reshape_1'),
]);

const tiedHead = replaceHead((normed) => [
  node('Transpose', ['model.embed_tokens.weight'], ['/lm_head/wT'], '/lm_head/Transpose', { perm: [1, 0] }),
  node('MatMul', [normed, '/lm_head/wT'], ['logits'], '/lm_head/MatMul'),
]);

async function runLens(built: LensModel, past: boolean, seq: number) {
  const session = await ort.InferenceSession.create(built.bytes);
  const feeds = synthFeeds(SPEC, { past }, { batch: 1, seq, past: past ? 2 : 0 });
  const out = await session.run(feeds);
  await session.release();
  return { out, feeds };
}

/** Each layer's lens at the last row, and the model's own softmax(logits) there. */
function lastRowCheck(built: LensModel, out: ort.InferenceSession.ReturnType) {
  const lens = built.lens!;
  const logits = out.logits;
  const V = logits.dims[2];
  const rows = logits.dims[1];
  const own = softmax((logits.data as Float32Array).subarray((rows - 1) * V, rows * V));
  const last = out[lens.outputs.lastProbs].data as Float32Array;
  const L = lens.layers.length;
  const finalLayer = last.subarray((L - 1) * V, L * V);
  let worst = 0;
  for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(finalLayer[v] - own[v]));
  assert.ok(worst < 1e-5, `last layer vs softmax(logits): max |Δ| ${worst}`);
  for (let l = 0; l < L; l++) {
    const sum = last.subarray(l * V, (l + 1) * V).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `layer ${l} sums to 1 (${sum})`);
  }
}

describe('finding the final norm and LM head', () => {
  test('LayerNormalization + MatMul: the last layer equals softmax(logits)', async () => {
    const built = await buildLensModel(writeTmp('decoder_model.onnx', gptModel(SPEC)), { taps: true });
    assert.equal(built.lensUnavailable, null);
    assert.equal(built.head!.norm.kind, 'LayerNormalization');
    assert.deepEqual(
      { ...built.head!.lmHead },
      { node: '/lm_head/MatMul', opType: 'MatMul', weight: 'lm_head.weight', transposed: false, tied: false, vocab: 13 },
    );
    assert.deepEqual(built.lens!.layers, [0, 1, 2]);
    const { out } = await runLens(built, false, 5);
    lastRowCheck(built, out);
    assert.deepEqual(out[built.lens!.outputs.topProbs].dims, [1, 3, 10], '[batch, layers × 1 row, k]');
  });

  test('rows "all" with a KV cache: each row’s probability of the next fed token', async () => {
    const built = await buildLensModel(writeTmp('decoder_with_past_model.onnx', gptModel({ ...SPEC, past: true })), {
      taps: false,
      lens: { rows: 'all', k: 3 },
    });
    const { out, feeds } = await runLens(built, true, 4);
    lastRowCheck(built, out);
    const V = SPEC.vocab;
    const logits = out.logits.data as Float32Array;
    const ids = feeds.input_ids.data as BigInt64Array;
    const next = out[built.lens!.outputs.nextProbs!];
    assert.deepEqual(next.dims, [1, 3, 3, 1]);
    for (let r = 0; r < 3; r++) {
      const own = softmax(logits.subarray(r * V, (r + 1) * V))[Number(ids[r + 1])];
      assert.ok(Math.abs((next.data as Float32Array)[2 * 3 + r] - own) < 1e-5, `row ${r}`);
    }
  });

  test('a Gemm head behind Reshapes, its weight transposed in the graph', async () => {
    const built = await buildLensModel(writeTmp('decoder_model.onnx', gptModel(SPEC, { transform: gemmHead })), {
      taps: true,
      lens: { rows: 'all' },
    });
    assert.equal(built.head!.lmHead.opType, 'Gemm');
    assert.equal(built.head!.lmHead.weight, 'lm_head.weight');
    assert.equal(built.head!.lmHead.vocab, 13);
    const { out } = await runLens(built, false, 5);
    lastRowCheck(built, out);
  });

  test('a head tied to the token embedding', async () => {
    const built = await buildLensModel(writeTmp('decoder_model.onnx', gptModel(SPEC, { transform: tiedHead })), { taps: true });
    assert.deepEqual(
      {
        weight: built.head!.lmHead.weight,
        tied: built.head!.lmHead.tied,
        transposed: built.head!.lmHead.transposed,
        vocab: built.head!.lmHead.vocab,
      },
      { weight: 'model.embed_tokens.weight', tied: true, transposed: true, vocab: 13 },
    );
    lastRowCheck(built, (await runLens(built, false, 4)).out);
  });

  for (const taps of [false, true]) {
    test(`a merged decoder: the head is copied out of the If, both branches give the model's own last layer (taps ${taps})`, async () => {
      const built = await buildLensModel(writeTmp('decoder_model_merged.onnx', mergedGptModel(SPEC)), { taps });
      assert.equal(built.lensUnavailable, null);
      assert.deepEqual(
        built.head!.layers.map((l) => l.layer),
        [0, 1, 2],
      );
      assert.ok(
        built.head!.layers.every((l) => l.tensor.startsWith('decoder_lens/')),
        'the lens reads the lifted hidden states',
      );
      assert.equal(built.taps.length > 0, taps, 'lifted hidden states are reported as taps only when taps were asked for');
      const session = await ort.InferenceSession.create(built.bytes);
      try {
        for (const past of [false, true]) {
          const feeds = synthFeeds(SPEC, { merged: true, useCache: past }, { batch: 1, seq: past ? 1 : 4, past: past ? 3 : 0 });
          lastRowCheck(built, await session.run(feeds));
        }
      } finally {
        await session.release();
      }
    });
  }

  test('no findable LM head: the model still loads, and the reason is given', async () => {
    const noWeight = replaceHead((normed) => [node('Identity', [normed], ['logits'], '/lm_head/Identity')]);
    // vocab = hidden, so the Identity's output fits the declared logits shape.
    const built = await buildLensModel(writeTmp('decoder_model.onnx', gptModel({ ...SPEC, vocab: SPEC.hidden }, { transform: noWeight })), {
      taps: true,
    });
    assert.equal(built.lens, null);
    assert.match(built.lensUnavailable!, /no MatMul or Gemm with a weight initializer makes the logits/);
    await (await ort.InferenceSession.create(built.bytes)).release();
  });

  test('a head that reads the model inputs, a merged decoder, an encoder: clear answers', async () => {
    const fromInputs = replaceHead((normed) => [
      node('Cast', ['attention_mask'], ['/lm_head/m'], '/lm_head/Cast', { to: 1 }),
      node('MatMul', [normed, 'lm_head.weight'], ['/lm_head/y'], '/lm_head/MatMul'),
      node('Mul', ['/lm_head/y', '/lm_head/m_col'], ['logits'], '/lm_head/Mul'),
      node('Unsqueeze', ['/lm_head/m', '/lm_head/axes'], ['/lm_head/m_col'], '/lm_head/Unsqueeze'),
      constant('/lm_head/axes', int64Tensor('', [2])),
    ]);
    const a = await buildLensModel(writeTmp('decoder_model.onnx', gptModel(SPEC, { transform: fromInputs })), { taps: false });
    assert.match(a.lensUnavailable!, /also reads \/lm_head\/m_col, which is computed from the model's inputs/);
    const branchWeight = await buildLensModel(
      writeTmp('decoder_model_merged.onnx', mergedGptModel(SPEC, { branchInitializers: ['lm_head.weight'] })),
      { taps: false },
    );
    assert.equal(branchWeight.lens, null);
    assert.match(
      branchWeight.lensUnavailable!,
      /reads lm_head\.weight, an initializer stored inside the If branch.*decoder_with_past_model\.onnx/,
    );
    const encoder = await buildLensModel(writeTmp('encoder_model.onnx', gptModel({ ...SPEC, encoder: true })), { taps: false });
    assert.equal(encoder.lens, null);
    assert.equal(encoder.lensUnavailable, null, 'an encoder has no logits: nothing to explain');
    await expectError(buildLensModel(writeTmp('decoder_model.onnx', gptModel(SPEC)), { taps: false, lens: { k: 0 } }), 'bad-input', 'k 0');
  });
});
