import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { onnx } from 'onnx-proto';
import { mergedGptModel } from '../../../bench/graph/gptModel';
import { T, fillRandom, model, node, vi } from '../../../bench/graph/onnxBuild';
import { buildTappedModel, findTaps, readModel } from '../../../src/core/onnx';
import { assertProbabilities, ort, writeTmp } from './helpers';
import { runAndCheck } from './runCheck';
import { SPEC, synthFeeds } from './synth';

const DIMS = [1, 2, 3, 4]; // [batch, heads, seq, head_dim]

/** Explicit attention over outer-scope q, k, v, inside a subgraph; `tag` keeps names unique per branch. */
function attentionGraph(tag: string, out: string): onnx.IGraphProto {
  const s = `/${tag}/layers.0/self_attn`;
  return {
    name: tag,
    node: [
      node('Transpose', ['k'], [`${s}/kT`], `${s}/Transpose`, { perm: [0, 1, 3, 2] }),
      node('MatMul', ['q', `${s}/kT`], [`${s}/scores`], `${s}/MatMul`),
      node('Softmax', [`${s}/scores`], [`${s}/probs`], `${s}/Softmax`, { axis: -1 }),
      node('MatMul', [`${s}/probs`, 'v'], [out], `${s}/MatMul_1`),
    ],
    output: [vi(out, T.FLOAT)],
  };
}

const plainGraph = (tag: string, out: string): onnx.IGraphProto => ({
  name: tag,
  node: [node('Identity', ['v'], [out], `/${tag}/Identity`)],
  output: [vi(out, T.FLOAT)],
});

const feeds = (cond: boolean, cond2 = true) => {
  const t = (seed: number) => new ort.Tensor('float32', fillRandom(new Float32Array(24), seed, 1), DIMS);
  return {
    q: t(1),
    k: t(2),
    v: t(3),
    cond: new ort.Tensor('bool', Uint8Array.from([cond ? 1 : 0]), [1]),
    cond2: new ort.Tensor('bool', Uint8Array.from([cond2 ? 1 : 0]), [1]),
  };
};

const inputs = [vi('q', T.FLOAT, DIMS), vi('k', T.FLOAT, DIMS), vi('v', T.FLOAT, DIMS), vi('cond', T.BOOL, [1]), vi('cond2', T.BOOL, [1])];

async function runTapped(path: string, f: Record<string, ort.Tensor>) {
  const tapped = await buildTappedModel(path);
  const session = await ort.InferenceSession.create(tapped.bytes);
  const plain = await ort.InferenceSession.create(path);
  try {
    const got = await session.run(f);
    assert.deepEqual(got.y.data, (await plain.run(f)).y.data, 'y unchanged by the taps');
    return { tapped, got };
  } finally {
    await session.release();
    await plain.release();
  }
}

describe('lifting taps out of If branches', () => {
  it('masks built outside the If are exposed directly, branch tensors are lifted', async () => {
    const path = writeTmp('merged-outside.onnx', mergedGptModel(SPEC, { masksOutside: true }));
    const r = findTaps(await readModel(path));
    assert.equal(r.attention[0].mask, '/model/Where_output_0');
    for (const useCache of [false, true]) {
      const past = useCache ? 2 : 0;
      const f = synthFeeds(SPEC, { merged: true, useCache }, { batch: 2, seq: 3, past, pad: [0, 1] });
      const { outputs } = await runAndCheck(
        path,
        f,
        { queries: 3, selfKeys: past + 3, causalPast: past, selfHidden: [[], [0]], hidden: 16 },
        `outside/${useCache}`,
      );
      const mask = outputs.find((o) => o.id === 'mask.self.0')!;
      assert.equal(mask.output, '/model/Where_output_0', 'an outer-graph mask is its own graph output');
      assert.equal(outputs.find((o) => o.id === 'attn.self.0')!.output, 'decoder_lens/attn.self.0');
    }
  });

  it('a branch without the tensor gets a placeholder, and both branches still run', async () => {
    const ifNode = node('If', ['cond'], ['y'], 'if', {
      then_branch: attentionGraph('then', 'y_then'),
      else_branch: plainGraph('else', 'y_else'),
    });
    const path = writeTmp('one-branch.onnx', model({ name: 'g', node: [ifNode], input: inputs, output: [vi('y', T.FLOAT)] }));
    const r = findTaps(await readModel(path));
    assert.deepEqual(
      r.attention.map((a) => [a.id, a.sites.length, a.sites[0].branchPath[0].attribute]),
      [['attn.self.0', 1, 'then_branch']],
    );
    const yes = await runTapped(path, feeds(true));
    assertProbabilities(yes.got[yes.tapped.outputs[0].output], { heads: 2, queries: 3, keys: 3 }, 'then');
    const no = await runTapped(path, feeds(false));
    assert.equal(no.got[no.tapped.outputs[0].output].size, 0, 'the placeholder is an empty tensor');
  });

  it('an If inside an If: lifted through both levels', async () => {
    const inner = node('If', ['cond2'], ['inner_y'], 'inner_if', {
      then_branch: attentionGraph('inner_then', 'a_y'),
      else_branch: attentionGraph('inner_else', 'b_y'),
    });
    const outerThen: onnx.IGraphProto = {
      name: 'outer_then',
      node: [inner, node('Identity', ['inner_y'], ['o_y'], '/outer/Identity')],
      output: [vi('o_y', T.FLOAT)],
    };
    const ifNode = node('If', ['cond'], ['y'], 'outer_if', { then_branch: outerThen, else_branch: plainGraph('outer_else', 'e_y') });
    const path = writeTmp('nested-if.onnx', model({ name: 'g', node: [ifNode], input: inputs, output: [vi('y', T.FLOAT)] }));
    const r = findTaps(await readModel(path));
    assert.equal(r.attention.length, 1);
    assert.deepEqual(
      r.attention[0].sites.map((s) => s.branchPath.map((b) => `${b.node}.${b.attribute}`).join('/')),
      ['outer_if.then_branch/inner_if.then_branch', 'outer_if.then_branch/inner_if.else_branch'],
    );
    for (const cond2 of [true, false]) {
      const { tapped, got } = await runTapped(path, feeds(true, cond2));
      assertProbabilities(got[tapped.outputs[0].output], { heads: 2, queries: 3, keys: 3 }, `nested/${cond2}`);
    }
    const { tapped, got } = await runTapped(path, feeds(false));
    assert.equal(got[tapped.outputs[0].output].size, 0);
  });
});
