// com.microsoft Attention (ORT's transformer optimizer's GPT-2 fusion) has no probability output: the tap
// recomputes them in the graph. The fused fixture carries tiny-gpt's trained weights, so its recomputed
// probabilities must equal the unfused model's Softmax taps and torch's per-head attention.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildTappedModel, findTaps, maskVisibility, readModel } from '../../../src/core/onnx';
import { fixtureFile, ort } from './helpers';

const FUSED = 'tiny-gpt-ort-optimized';
const ref = JSON.parse(readFileSync(fixtureFile('tiny-gpt', 'reference.json'), 'utf8')) as {
  input_ids: number[];
  fed_ids: number[];
  attention: { layer: number; kind: string; data: number[][][] }[];
  masked: { attention_mask: number[] };
};
const V_LAYERS = 2;
const HEADS = 4;
const HEAD_DIM = 16;

const i64 = (values: number[], dims = [1, values.length]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);

function feeds(ids: number[], mask = ids.map(() => 1), first = 0): Record<string, ort.Tensor> {
  return { input_ids: i64(ids), attention_mask: i64(mask), position_ids: i64(ids.map((_, i) => first + i)) };
}

async function runTapped(path: string, input: Record<string, ort.Tensor>) {
  const tapped = await buildTappedModel(path);
  const session = await ort.InferenceSession.create(tapped.bytes);
  try {
    const out = await session.run(input);
    const get = (tap: string, id: string) => {
      const o = tapped.outputs.find((x) => x.tap === tap && x.id === id);
      assert.ok(o, `${path}: no ${tap} output ${id} (have ${tapped.outputs.map((x) => x.id).join(', ')})`);
      return out[o.output];
    };
    return { tapped, out, get };
  } finally {
    await session.release();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('recomputed probabilities of com.microsoft Attention (tiny-gpt rebuilt by the ORT optimizer layout)', () => {
  it('the tap finder lists one recomputed attention per layer, with heads, the applied mask and the in-kernel mask', async () => {
    const report = findTaps(await readModel(fixtureFile(FUSED, 'decoder_model.onnx')));
    assert.deepEqual(report.unavailable, []);
    assert.deepEqual(
      report.attention.map((a) => [a.id, a.layer, a.kind, a.heads, a.opType, a.source, a.maskOrigins.sort()]),
      [
        ['attn.self.0', 0, 'self', HEADS, 'Attention', 'fused', ['causal', 'input']],
        ['attn.self.1', 1, 'self', HEADS, 'Attention', 'fused', ['causal', 'input']],
      ],
    );
    for (const a of report.attention) {
      assert.equal(a.implied?.causal, 'end');
      assert.equal(a.implied?.padding?.form, '2d');
      assert.match(a.implied!.label, /^implied by com\.microsoft Attention \(unidirectional=1, 2-D mask_index/);
    }
    assert.deepEqual(
      report.hiddenStates.map((h) => [h.id, h.source]),
      [
        ['hidden.0', 'skip-layernorm'],
        ['hidden.1', 'skip-layernorm'],
      ],
    );
  });

  it("equals torch's per-head attention and the unfused model's Softmax taps (no past)", async () => {
    const ids = ref.fed_ids;
    const fused = await runTapped(fixtureFile(FUSED, 'decoder_model.onnx'), feeds(ids));
    const plain = await runTapped(fixtureFile('tiny-gpt', 'decoder_model.onnx'), feeds(ids));
    for (let layer = 0; layer < V_LAYERS; layer++) {
      const got = fused.get('attention', `attn.self.${layer}`);
      assert.deepEqual(got.dims, [1, HEADS, ids.length, ids.length]);
      const unfused = plain.get('attention', `attn.self.${layer}`);
      const dPlain = maxDiff(got.data as Float32Array, unfused.data as Float32Array);
      const torch = ref.attention.find((a) => a.layer === layer)!.data.flat(2);
      const dTorch = maxDiff(got.data as Float32Array, torch);
      assert.ok(dPlain <= 1e-5, `layer ${layer}: recomputed vs unfused Softmax max abs diff ${dPlain}`);
      assert.ok(dTorch <= 1e-5, `layer ${layer}: recomputed vs torch max abs diff ${dTorch}`);
      // The applied mask reads as the same visible/hidden grid as the unfused model's.
      const mask = fused.get('mask', `mask.self.${layer}`);
      const want = maskVisibility(plain.get('mask', `mask.self.${layer}`).data as Float32Array);
      assert.deepEqual(maskVisibility(mask.data as Float32Array), want);
    }
    // The fused graph's own outputs are untouched by the appended nodes.
    assert.ok(maxDiff(fused.out.logits.data as Float32Array, plain.out.logits.data as Float32Array) <= 1e-4);
  });

  it('with a padded attention_mask: the same probabilities as the unfused model, padded keys at exactly 0', async () => {
    const ids = ref.input_ids;
    const mask = ref.masked.attention_mask;
    const fused = await runTapped(fixtureFile(FUSED, 'decoder_model.onnx'), feeds(ids, mask));
    const plain = await runTapped(fixtureFile('tiny-gpt', 'decoder_model.onnx'), feeds(ids, mask));
    for (let layer = 0; layer < V_LAYERS; layer++) {
      const got = fused.get('attention', `attn.self.${layer}`).data as Float32Array;
      const d = maxDiff(got, plain.get('attention', `attn.self.${layer}`).data as Float32Array);
      assert.ok(d <= 1e-5, `layer ${layer}: max abs diff ${d}`);
      const T = ids.length;
      for (let h = 0; h < HEADS; h++)
        for (let i = 0; i < T; i++)
          for (let j = 0; j < T; j++) if (mask[j] === 0 || j > i) assert.equal(got[(h * T + i) * T + j], 0, `h${h} q${i} k${j}`);
    }
  });

  it('with the packed past [2, batch, heads, past, head]: the rows after the past equal torch', async () => {
    const path = fixtureFile(FUSED, 'decoder_with_packed_past.onnx');
    const ids = ref.fed_ids;
    const P = 9;
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [2, 1, HEADS, 0, HEAD_DIM]);
    const first = await runTapped(path, { ...feeds(ids.slice(0, P)), past_0: empty(), past_1: empty() });
    const second = await runTapped(path, {
      input_ids: i64(ids.slice(P)),
      attention_mask: i64(ids.map(() => 1)),
      position_ids: i64(ids.slice(P).map((_, i) => P + i)),
      past_0: first.out.present_0,
      past_1: first.out.present_1,
    });
    const T = ids.length;
    const S = T - P;
    for (let layer = 0; layer < V_LAYERS; layer++) {
      const got = second.get('attention', `attn.self.${layer}`);
      assert.deepEqual(got.dims, [1, HEADS, S, T]);
      const torch = ref.attention.find((a) => a.layer === layer)!.data;
      const want = torch.flatMap((head) => head.slice(P).flat());
      const d = maxDiff(got.data as Float32Array, want);
      assert.ok(d <= 1e-5, `layer ${layer} with past: max abs diff ${d}`);
    }
  });
});
