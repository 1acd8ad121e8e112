import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gptModel } from '../../../bench/graph/gptModel';
import { T, model, node, vi } from '../../../bench/graph/onnxBuild';
import { type TapReport, findTaps, readModel } from '../../../src/core/onnx';
import { layerOf, scopeOf } from '../../../src/core/onnx/scope';
import type { NodeInfo } from '../../../src/core/onnx/types';
import { fixtureFile, writeTmp } from './helpers';
import { SPEC, synthModels } from './synth';

const taps = async (path: string) => findTaps(await readModel(path));

/** What every decoder layout must show: layers 0..L-1 per kind, 4 heads, a mask, one hidden state per layer. */
function assertLayout(r: TapReport, expect: { self: number; cross: number; heads: number; logits: boolean }, label: string): void {
  for (const kind of ['self', 'cross'] as const) {
    const layers = r.attention.filter((a) => a.kind === kind).map((a) => a.layer);
    assert.deepEqual(
      layers,
      Array.from({ length: expect[kind] }, (_, i) => i),
      `${label}: ${kind} layers`,
    );
  }
  for (const a of r.attention) {
    assert.equal(a.heads, expect.heads, `${label}: ${a.id} heads`);
    assert.ok(a.mask, `${label}: ${a.id} has a mask`);
    assert.equal(a.id, `attn.${a.kind}.${a.layer}`);
    for (const s of a.sites) assert.ok(s.tensor.length > 0);
  }
  const layers = Math.max(expect.self, expect.cross);
  assert.deepEqual(
    r.hiddenStates.map((h) => h.layer),
    Array.from({ length: layers }, (_, i) => i),
    `${label}: hidden states`,
  );
  assert.equal(r.logits, expect.logits ? 'logits' : null, `${label}: logits`);
}

describe('tap finder on generated layouts', () => {
  const m = synthModels();

  it('decoder: self attention per layer, mask from attention_mask and a causal construction', async () => {
    const r = await taps(m.decoder);
    assert.equal(r.role, 'decoder');
    assertLayout(r, { self: 2, cross: 0, heads: 4, logits: true }, 'decoder');
    assert.equal(r.attention[0].tensor, '/model/layers.0/self_attn/Softmax_output_0');
    assert.deepEqual([...r.attention[0].maskOrigins].sort(), ['causal', 'input']);
    assert.equal(r.attention[0].maskKind, 'additive');
    // The residual stream leaving each block: the second residual Add of the layer.
    assert.deepEqual(
      r.hiddenStates.map((h) => h.tensor),
      ['/model/layers.0/Add_1_output_0', '/model/layers.1/Add_1_output_0'],
    );
    assert.deepEqual(r.unavailable, []);
  });

  it('decoder with past: role from past_key_values inputs', async () => {
    const r = await taps(m.withPast);
    assert.equal(r.role, 'decoder-with-past');
    assertLayout(r, { self: 2, cross: 0, heads: 4, logits: true }, 'with-past');
  });

  it('merged decoder: one tap per layer, remembering the tensor in both branches', async () => {
    const r = await taps(m.merged);
    assert.equal(r.role, 'decoder-merged');
    assertLayout(r, { self: 2, cross: 0, heads: 4, logits: true }, 'merged');
    for (const a of [...r.attention, ...r.hiddenStates]) {
      assert.deepEqual(
        a.sites.map((s) => s.branchPath.map((b) => `${b.node}.${b.attribute}`)),
        [['optimum::if.then_branch'], ['optimum::if.else_branch']],
      );
    }
  });

  it('encoder: bidirectional self attention, padding mask only, no logits', async () => {
    const r = await taps(m.encoder);
    assert.equal(r.role, 'encoder');
    assertLayout(r, { self: 2, cross: 0, heads: 4, logits: false }, 'encoder');
    assert.deepEqual(r.attention[0].maskOrigins, ['input']);
  });

  it('encoder-decoder decoder: cross attention over encoder_hidden_states with the encoder mask', async () => {
    for (const path of [m.t5Decoder, m.t5WithPast]) {
      const r = await taps(path);
      assertLayout(r, { self: 2, cross: 2, heads: 4, logits: true }, path);
      const cross = r.attention.find((a) => a.id === 'attn.cross.1')!;
      assert.equal(cross.tensor, '/model/layers.1/encoder_attn/Softmax_output_0');
      assert.deepEqual(cross.maskOrigins, ['input']);
    }
  });

  it('judges by structure when the exporter kept no names (layers by order, cross by K source, residual Adds)', async () => {
    const anonymous = gptModel({ ...SPEC, cross: true }, { transform: (p) => p.nodes.forEach((n) => (n.name = '')) });
    const r = await taps(writeTmp('anonymous.onnx', anonymous));
    assertLayout(r, { self: 2, cross: 2, heads: 4, logits: true }, 'anonymous');
    // Tensor names still carry the generator's scopes; the finder could not use node names.
    assert.equal(r.attention.find((a) => a.id === 'attn.cross.0')!.tensor, '/model/layers.0/encoder_attn/Softmax_output_0');
    assert.equal(r.attention.find((a) => a.id === 'attn.self.1')!.tensor, '/model/layers.1/self_attn/Softmax_output_0');
    assert.deepEqual(
      r.hiddenStates.map((h) => [h.tensor, h.source]),
      [
        ['/model/layers.0/Add_2_output_0', 'residual'],
        ['/model/layers.1/Add_2_output_0', 'residual'],
      ],
    );
  });

  it('reads the head count from value_info shapes when the exporter recorded them', async () => {
    const r = await taps(writeTmp('vi.onnx', gptModel({ ...SPEC, heads: 2, valueInfo: true })));
    assert.deepEqual(
      r.attention.map((a) => a.heads),
      [2, 2],
    );
  });

  it('a graph with no Softmax has no taps (and says nothing is unavailable)', async () => {
    const bytes = model({
      name: 'g',
      node: [node('Relu', ['x'], ['y'], 'relu')],
      input: [vi('x', T.FLOAT, [2])],
      output: [vi('y', T.FLOAT, [2])],
    });
    const r = await taps(writeTmp('relu.onnx', bytes));
    assert.deepEqual([r.attention, r.hiddenStates, r.unavailable, r.logits], [[], [], [], null]);
  });

  it('a Softmax that does not weigh V (a classifier head) is not attention', async () => {
    const bytes = model({
      name: 'g',
      node: [node('Softmax', ['x'], ['y'], 'head/Softmax', { axis: -1 })],
      input: [vi('x', T.FLOAT, [2, 3])],
      output: [vi('y', T.FLOAT, [2, 3])],
    });
    assert.deepEqual((await taps(writeTmp('cls.onnx', bytes))).attention, []);
  });
});

describe('scopes', () => {
  const n = (name: string, metadata: Record<string, string> = {}) => ({ name, metadata }) as NodeInfo;
  it('reads TorchScript node names and dynamo name_scopes metadata', () => {
    assert.deepEqual(layerOf(n('/model/layers.3/self_attn/Softmax')), { prefix: '/model/layers.3/', index: 3 });
    assert.deepEqual(layerOf(n('/transformer/h.11/attn/Softmax')), { prefix: '/transformer/h.11/', index: 11 });
    assert.deepEqual(layerOf(n('/decoder/block.2/layer.1/EncDecAttention/Softmax')), { prefix: '/decoder/block.2/', index: 2 });
    assert.deepEqual(layerOf(n('/encoder/layer.5/attention/self/Softmax')), { prefix: '/encoder/layer.5/', index: 5 });
    const dynamo = n('node_softmax_12', { 'pkg.torch.onnx.name_scopes': "['', 'model', 'layers.7', 'self_attn', 'softmax']" });
    assert.equal(scopeOf(dynamo), '/model/layers.7/self_attn/');
    assert.deepEqual(layerOf(dynamo), { prefix: '/model/layers.7/', index: 7 });
    assert.equal(layerOf(n('Softmax_3')), null);
  });
});

describe('tap finder on the committed fixtures', () => {
  const cases: [string, string, TapReport['role'], number, number][] = [
    ['tiny-gpt', 'decoder_model.onnx', 'decoder', 2, 0],
    ['tiny-gpt', 'decoder_with_past_model.onnx', 'decoder-with-past', 2, 0],
    ['tiny-gpt', 'decoder_model_merged.onnx', 'decoder-merged', 2, 0],
    ['tiny-t5', 'encoder_model.onnx', 'encoder', 2, 0],
    ['tiny-t5', 'decoder_model.onnx', 'decoder', 2, 2],
    ['tiny-t5', 'decoder_with_past_model.onnx', 'decoder-with-past', 2, 2],
  ];
  for (const [dir, file, role, self, cross] of cases) {
    it(`${dir}/${file}: ${self} self and ${cross} cross taps, 4 heads, masks, hidden states`, async () => {
      const r = await taps(fixtureFile(dir, file));
      assert.equal(r.role, role);
      assertLayout(r, { self, cross, heads: 4, logits: role !== 'encoder' }, file);
      for (const a of r.attention) {
        const scope = dir === 'tiny-gpt' ? '/model' : role === 'encoder' ? '/encoder' : '/decoder';
        const module = a.kind === 'cross' ? 'encoder_attn' : 'self_attn';
        assert.equal(a.tensor, `${scope}/layers.${a.layer}/${module}/Softmax_output_0`);
        // Self attention in a decoder hides the future (causal); masks from inputs hide padding.
        if (a.kind === 'self' && role !== 'encoder') assert.ok(a.maskOrigins.includes('causal'), `${a.id} mask ${a.mask} ${a.maskOrigins}`);
        if (a.kind === 'cross' || role === 'encoder') assert.deepEqual(a.maskOrigins, ['input']);
        assert.equal(a.sites.length, role === 'decoder-merged' ? 2 : 1);
      }
      assert.deepEqual(r.unavailable, []);
    });
  }
});
