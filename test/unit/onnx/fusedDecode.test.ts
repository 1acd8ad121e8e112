// The ORT-optimised tiny-gpt folder (com.microsoft Attention, SkipLayerNormalization, BiasGelu; tiny-gpt's weights)
// decoded end to end through openModel + decode: greedy tokens, recomputed attention, masks, hidden states
// (SkipLayerNormalization's residual sum) and the logit lens through the fused final norm, all against torch.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import type { LensCapture } from '../../../src/core/lens';
import { type Greedy, type RefAttention, assertAttention, assertClose, assertGreedy, maxAbsDiff, reference } from '../decode/reference';
import { fixture } from '../paths';

interface GptReference {
  prompt: string;
  input_ids: number[];
  max_new_tokens: number;
  greedy: Greedy;
  fed_ids: number[];
  attention: RefAttention[];
  hidden_states: { layer: number; data: number[][] }[];
  lens: { layer: number; probs_last: number[] }[];
  masked: { attention_mask: number[]; greedy: Greedy; attention: RefAttention[] };
}

const ref = reference<GptReference>('tiny-gpt');
const FUSED = fixture('tiny-gpt-ort-optimized');
const sessions = new SessionCache();
after(() => sessions.clear());

function lensCell(capture: LensCapture, position: number, layer: number) {
  const p = capture.positions.indexOf(position);
  const l = capture.layers.indexOf(layer);
  assert.ok(p >= 0 && l >= 0, `the lens covers position ${position} layer ${layer}`);
  const at = (p * capture.layers.length + l) * capture.k;
  return { ids: Array.from(capture.ids.subarray(at, at + capture.k)), probs: Array.from(capture.probs.subarray(at, at + capture.k)) };
}

describe('the ORT-optimised GPT-2 layout decodes with everything visible (tiny-gpt-ort-optimized)', () => {
  test('greedy tokens equal torch; recomputed attention equals torch within 1e-4; hidden states are the residual stream', async () => {
    const model = await openModel(FUSED);
    assert.deepEqual(
      model.layout.files.map((f) => f.role),
      ['decoder'],
    );
    const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, hiddenVectors: true });
    assert.deepEqual(
      trace.input.tokens.map((t) => t.id),
      ref.input_ids,
    );
    assertGreedy(trace, ref.greedy);
    assertAttention(trace.attention, ref.attention);
    assert.equal(trace.hidden.length, ref.hidden_states.length, 'one hidden state per layer');
    for (const expected of ref.hidden_states) {
      const h = trace.hidden.find((x) => x.layer === expected.layer)!;
      expected.data.forEach((row, pos) =>
        row.forEach((v, i) => assertClose(h.vectors![pos * h.width + i], v, 1e-4, `layer ${expected.layer} hidden[${pos}][${i}]`)),
      );
    }
  });

  test('an attention-mask override: torch’s tokens and attention, and the applied mask hides the padded keys and the future', async () => {
    const model = await openModel(FUSED);
    const trace = await decode(model, sessions, {
      text: ref.prompt,
      maxNewTokens: ref.max_new_tokens,
      attentionMask: ref.masked.attention_mask,
    });
    assertGreedy(trace, ref.masked.greedy);
    assertAttention(trace.attention, ref.masked.attention);
    const hidden = ref.masked.attention_mask.flatMap((v, i) => (v === 0 ? [i] : []));
    assert.equal(trace.masks.length, 2);
    for (const mask of trace.masks) {
      for (let q = 0; q < mask.queries; q++) {
        const expected = Array.from({ length: mask.keys }, (_, k) => (k <= q && !hidden.includes(k) ? 1 : 0));
        assert.deepEqual(Array.from(mask.visible.subarray(q * mask.keys, (q + 1) * mask.keys)), expected, `layer ${mask.layer} query ${q}`);
      }
    }
  });

  test('the logit lens copies the fused final norm (SkipLayerNormalization): equal to torch and to the unfused model', async () => {
    const options = { text: ref.prompt, maxNewTokens: ref.max_new_tokens, lens: { rows: 'last' as const, k: 10 } };
    const fused = await decode(await openModel(FUSED), sessions, options);
    const plainModel = await openModel(fixture('tiny-gpt'));
    plainModel.layout = { ...plainModel.layout, files: plainModel.layout.files.filter((f) => f.path.endsWith('decoder_model.onnx')) };
    const plain = await decode(plainModel, sessions, { ...options, useCache: false });
    assert.ok(fused.lens, `a lens (lensUnavailable: ${JSON.stringify((fused as { lensUnavailable?: string }).lensUnavailable)})`);
    assert.equal(fused.lens.head?.norm.kind, 'SkipLayerNormalization');
    assert.equal(fused.lens.head?.norm.weight, 'model.norm.weight');
    assert.deepEqual(fused.lens.layers, [0, 1]);
    assert.deepEqual(fused.lens.positions, plain.lens!.positions);
    assert.deepEqual(fused.lens.ids, plain.lens!.ids, 'the same top tokens per layer and step');
    const d = maxAbsDiff(fused.lens.probs, plain.lens!.probs);
    assert.ok(d <= 1e-4, `lens probabilities vs the unfused model: max |Δ| ${d}`);
    // Torch: norm + lm_head on each layer's hidden state at the last fed position.
    const position = ref.fed_ids.length - 1;
    for (const expected of ref.lens) {
      const c = lensCell(fused.lens, position, expected.layer);
      c.ids.forEach((id, j) => assertClose(c.probs[j], expected.probs_last[id], 1e-4, `layer ${expected.layer} p(${id})`));
    }
  });
});
