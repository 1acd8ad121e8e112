import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { fixture } from '../paths';
import { assertAttention, assertClose, assertGreedy, maskRow, maxAbsDiff, reference, type Greedy, type RefAttention } from './reference';

interface GptReference {
  prompt: string;
  input_ids: number[];
  max_new_tokens: number;
  expected_text: string;
  greedy: Greedy;
  input_surprisal: { probs: number[] };
  attention: RefAttention[];
  hidden_states: { layer: number; data: number[][] }[];
  masked: { attention_mask: number[]; greedy: Greedy; attention: RefAttention[] };
}

const ref = reference<GptReference>('tiny-gpt');
const sessions = new SessionCache();
after(() => sessions.clear());

const layouts = {
  'decoder + decoder_with_past (KV cache)': { files: ['decoder_model.onnx', 'decoder_with_past_model.onnx'], useCache: true },
  'merged If (KV cache)': { files: ['decoder_model_merged.onnx'], useCache: true },
  'merged If, full recompute': { files: ['decoder_model_merged.onnx'], useCache: false },
  'decoder_model.onnx, full recompute': { files: ['decoder_model.onnx'], useCache: false },
};

/** Opens the fixture with only some of its files, as a user's folder might have. */
async function openWith(files: string[]) {
  const model = await openModel(fixture('tiny-gpt'));
  model.layout = { ...model.layout, files: model.layout.files.filter((f) => files.some((name) => f.path.endsWith(name))) };
  return model;
}

describe('decoder-only decoding against the torch reference (tiny-gpt)', () => {
  for (const [name, layout] of Object.entries(layouts)) {
    test(`${name}: greedy tokens, probabilities and attention equal torch`, async () => {
      const model = await openWith(layout.files);
      const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, useCache: layout.useCache });
      assert.deepEqual(
        trace.input.tokens.map((t) => t.id),
        ref.input_ids,
        'input ids',
      );
      assert.equal(trace.model.kvCache, layout.useCache);
      assertGreedy(trace, ref.greedy);
      assertAttention(trace.attention, ref.attention);
      assert.equal(
        trace.positions.length,
        ref.input_ids.length + ref.greedy.ids.length - 1,
        'positions: input then fed-back generated tokens',
      );
    });
  }

  test('the model does its task: the decoded text is the expected copy', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens });
    const text = model.tokenizer.decode(
      trace.generated.map((g) => g.id),
      { skipSpecialTokens: true },
    );
    assert.equal(text.trim(), ref.expected_text.trim());
  });

  test('input surprisal and hidden-state norms equal torch', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, hiddenVectors: true });
    assert.ok(Number.isNaN(trace.inputProbs[0]), 'the first token has no probability');
    ref.input_surprisal.probs.forEach((p, i) => assertClose(trace.inputProbs[i + 1], p, 1e-4, `p(input token ${i + 1})`));
    assert.equal(trace.hidden.length, ref.hidden_states.length, 'one hidden state per layer');
    for (const expected of ref.hidden_states) {
      const h = trace.hidden.find((x) => x.layer === expected.layer)!;
      expected.data.forEach((row, pos) => {
        const norm = Math.hypot(...row);
        assertClose(h.norms[pos], norm, 1e-3 * Math.max(1, norm), `layer ${expected.layer} norm at ${pos}`);
        assertClose(h.vectors![pos * h.width], row[0], 1e-4, `layer ${expected.layer} vector[0] at ${pos}`);
      });
    }
  });

  test('KV-cache matrices equal full-recompute matrices', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const cached = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, useCache: true });
    const full = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, useCache: false });
    assert.equal(cached.attention.length, full.attention.length);
    cached.attention.forEach((a, i) => assert.ok(maxAbsDiff(a.data, full.attention[i].data) < 1e-5, `layer ${a.layer}`));
    cached.masks.forEach((m, i) => assert.deepEqual(m.visible, full.masks[i].visible, `mask layer ${m.layer}`));
  });

  test('an attention-mask override gives what torch gives with that mask', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, {
      text: ref.prompt,
      maxNewTokens: ref.max_new_tokens,
      attentionMask: ref.masked.attention_mask,
    });
    assertGreedy(trace, ref.masked.greedy);
    assertAttention(trace.attention, ref.masked.attention);
    // The effective mask the model applied hides exactly the masked keys, plus the future (causal).
    const hidden = ref.masked.attention_mask.flatMap((v, i) => (v === 0 ? [i] : []));
    for (const mask of trace.masks) {
      for (let q = 0; q < mask.queries; q++) {
        const expected = Array.from({ length: mask.keys }, (_, k) => (k <= q && !hidden.includes(k) ? 1 : 0));
        assert.deepEqual(maskRow(mask, q), expected, `layer ${mask.layer} query ${q}`);
      }
    }
  });

  test('attention rows are distributions and hidden keys get none of it', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: 4 });
    for (const a of trace.attention) {
      const mask = trace.masks.find((m) => m.layer === a.layer && m.kind === a.kind)!;
      for (let h = 0; h < a.heads; h++)
        for (let q = 0; q < a.queries; q++) {
          let sum = 0;
          for (let k = 0; k < a.keys; k++) {
            const w = a.data[(h * a.queries + q) * a.keys + k];
            sum += w;
            if (!mask.visible[q * a.keys + k]) assert.ok(w <= 1e-6, `leak at layer ${a.layer} head ${h} (${q}, ${k}): ${w}`);
          }
          assertClose(sum, 1, 1e-4, `row sum layer ${a.layer} head ${h} query ${q}`);
        }
    }
  });
});
