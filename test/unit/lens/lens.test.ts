import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type DecodeOptions, decode, openModel, type OpenedModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { type LensCapture, decisionLayers, lensEntries } from '../../../src/core/lens';
import { assertClose, reference } from '../decode/reference';
import { fixture } from '../paths';

interface GptReference {
  prompt: string;
  input_ids: number[];
  max_new_tokens: number;
  greedy: { ids: number[]; probs: number[] };
  fed_ids: number[];
  lens: { layer: number; probs_last: number[] }[];
}

const ref = reference<GptReference>('tiny-gpt');
const sessions = new SessionCache();
after(() => sessions.clear());

/** Decodes with the runtime's `lens` option (what the extension does) and returns the trace and its lens. */
const withLens = (rows: 'last' | 'all', k: number) => ({
  async decode(model: OpenedModel, options: Partial<DecodeOptions> & { text: string }) {
    const trace = await decode(model, sessions, { ...options, lens: { rows, k } });
    assert.ok(trace.lens, 'the trace has its lens');
    return { trace, lens: trace.lens };
  },
});
const last = withLens('last', 10);
const all = withLens('all', 5);

/** The fixture with only some of its files, as a user's folder might have. */
async function openWith(files: string[]) {
  const model = await openModel(fixture('tiny-gpt'));
  model.layout = { ...model.layout, files: model.layout.files.filter((f) => files.some((name) => f.path.endsWith(name))) };
  return model;
}

const pair = ['decoder_model.onnx', 'decoder_with_past_model.onnx'];

function cell(capture: LensCapture, position: number, layer: number): { ids: number[]; probs: number[]; next: number; nextId: number } {
  const p = capture.positions.indexOf(position);
  const l = capture.layers.indexOf(layer);
  assert.ok(p >= 0 && l >= 0, `the lens covers position ${position} layer ${layer}`);
  const at = (p * capture.layers.length + l) * capture.k;
  return {
    ids: Array.from(capture.ids.subarray(at, at + capture.k)),
    probs: Array.from(capture.probs.subarray(at, at + capture.k)),
    next: capture.nextProbs[p * capture.layers.length + l],
    nextId: capture.nextIds[p],
  };
}

describe('logit lens in the graph (tiny-gpt)', () => {
  test('the last layer equals the model’s own next-token probabilities at every step (1e-5)', async () => {
    const { trace, lens } = await last.decode(await openWith(pair), { text: ref.prompt, maxNewTokens: ref.max_new_tokens });
    assert.deepEqual(
      trace.generated.map((g) => g.id),
      ref.greedy.ids,
      'the lens does not change the decode',
    );
    const n = ref.input_ids.length;
    assert.deepEqual(lens.layers, [0, 1]);
    assert.deepEqual(
      lens.positions,
      trace.generated.map((_, s) => n - 1 + s),
      'one lens row per generated token',
    );
    assert.equal(lens.head?.norm.kind, 'decomposed LayerNorm');
    assert.equal(lens.head?.lmHead.weight.startsWith('onnx::MatMul'), true);
    assert.equal(lens.head?.lmHead.tied, false);
    trace.generated.forEach((g, s) => {
      const c = cell(lens, n - 1 + s, 1);
      assert.equal(c.nextId, g.id, `step ${s}: the token that came next`);
      assertClose(c.next, g.prob, 1e-5, `step ${s}: last-layer probability of the chosen token`);
      g.top.forEach((t, j) => {
        assert.equal(c.ids[j], t.id, `step ${s} top ${j} id`);
        assertClose(c.probs[j], t.prob, 1e-5, `step ${s} top ${j} probability`);
      });
    });
  });

  test('earlier layers equal torch’s norm + lm_head on that layer’s hidden state (1e-4)', async () => {
    const { lens } = await last.decode(await openWith(pair), { text: ref.prompt, maxNewTokens: ref.max_new_tokens });
    const position = ref.fed_ids.length - 1;
    for (const expected of ref.lens) {
      const c = cell(lens, position, expected.layer);
      const sorted = expected.probs_last.map((prob, id) => ({ id, prob })).sort((a, b) => b.prob - a.prob);
      c.probs.forEach((p, j) => assertClose(p, sorted[j].prob, 1e-4, `layer ${expected.layer} top ${j}`));
      c.ids.forEach((id, j) => assertClose(expected.probs_last[id], c.probs[j], 1e-4, `layer ${expected.layer} p(${id})`));
      assertClose(c.next, expected.probs_last[c.nextId], 1e-4, `layer ${expected.layer} p(next token ${c.nextId})`);
    }
  });

  test('KV cache and full recompute record the same lens', async () => {
    const cached = await last.decode(await openWith(pair), { text: ref.prompt, maxNewTokens: 6 });
    const full = await last.decode(await openWith(['decoder_model.onnx']), { text: ref.prompt, maxNewTokens: 6, useCache: false });
    assert.deepEqual(full.lens.positions, cached.lens.positions);
    assert.deepEqual(full.lens.ids, cached.lens.ids);
    full.lens.probs.forEach((p, i) => assertClose(p, cached.lens.probs[i], 1e-5, `prob ${i}`));
    full.lens.nextProbs.forEach((p, i) => assertClose(p, cached.lens.nextProbs[i], 1e-5, `next prob ${i}`));
  });

  test('rows "all" covers the prompt: the last layer gives the model’s own input-token probabilities', async () => {
    const { trace, lens } = await all.decode(await openWith(pair), { text: ref.prompt, maxNewTokens: 3 });
    const n = ref.input_ids.length;
    assert.deepEqual(
      lens.positions,
      Array.from({ length: n + 2 }, (_, i) => i),
      'every fed position',
    );
    for (let p = 0; p < n - 1; p++) {
      const c = cell(lens, p, 1);
      assert.equal(c.nextId, ref.input_ids[p + 1]);
      assertClose(c.next, trace.inputProbs[p + 1], 1e-5, `p(input ${p + 1})`);
      assertClose(c.probs[0], trace.inputTop[p + 1][0].prob, 1e-5, `top-1 at ${p}`);
    }
    const reference = await last.decode(await openWith(pair), { text: ref.prompt, maxNewTokens: 3 });
    for (const position of reference.lens.positions) {
      for (const layer of [0, 1]) {
        const a = cell(lens, position, layer);
        const b = cell(reference.lens, position, layer);
        assert.deepEqual(a.ids, b.ids.slice(0, 5), `ids at ${position} layer ${layer}`);
        assertClose(a.next, b.next, 1e-5, `next at ${position} layer ${layer}`);
      }
    }
  });

  test('entries for the CLI JSON, and where the model decides', async () => {
    const model = await openWith(pair);
    const { lens } = await last.decode(model, { text: ref.prompt, maxNewTokens: 3 });
    const entries = lensEntries(lens);
    assert.deepEqual(
      lensEntries(lens, (id) => model.tokenizer.tokenText(id)),
      entries,
      'the texts kept with the capture',
    );
    assert.equal(entries.length, lens.positions.length * lens.layers.length);
    assert.deepEqual(Object.keys(entries[0]), ['layer', 'position', 'top']);
    assert.deepEqual(Object.keys(entries[0].top[0]), ['id', 'text', 'prob']);
    assert.equal(entries[entries.length - 1].top[0].text, model.tokenizer.tokenText(lens.ids[(lens.positions.length * 2 - 1) * lens.k]));
    decisionLayers(lens).forEach((layer) => assert.ok(layer === 0 || layer === 1));
  });

  test('an encoder-decoder model: the lens runs on the decoder, its last layer the model’s own probabilities', async () => {
    const t5 = reference<{ source: string; max_new_tokens: number; greedy: { ids: number[] } }>('tiny-t5');
    const { trace, lens } = await last.decode(await openModel(fixture('tiny-t5')), { text: t5.source, maxNewTokens: t5.max_new_tokens });
    assert.deepEqual(
      trace.generated.map((g) => g.id),
      t5.greedy.ids,
    );
    assert.deepEqual(lens.unavailable, [], 'the encoder file has no logits and needs no excuse');
    assert.deepEqual(
      lens.positions,
      trace.generated.map((_, s) => s),
      'decoder positions: start token, then fed-back tokens',
    );
    trace.generated.forEach((g, s) => assertClose(cell(lens, s, 1).next, g.prob, 1e-5, `step ${s}`));
  });

  test("a merged-only folder (Optimum's If): the same lens as the two files, with the cache and without", async () => {
    const merged = await openWith(['decoder_model_merged.onnx']);
    const fromPair = await last.decode(await openWith(pair), { text: ref.prompt, maxNewTokens: ref.max_new_tokens });
    for (const useCache of [true, false]) {
      const { trace, lens } = await last.decode(merged, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, useCache });
      assert.deepEqual(
        trace.generated.map((g) => g.id),
        ref.greedy.ids,
        `cache ${useCache}: the lens does not change the decode`,
      );
      assert.deepEqual(lens.unavailable, []);
      assert.deepEqual(lens.positions, fromPair.lens.positions);
      assert.deepEqual(lens.ids, fromPair.lens.ids, `cache ${useCache}: the same top tokens per layer`);
      lens.probs.forEach((p, i) => assertClose(p, fromPair.lens.probs[i], 1e-5, `cache ${useCache}: prob ${i}`));
      // And against torch directly: the model's own probabilities at the last layer, ln_f + lm_head before it.
      trace.generated.forEach((g, s) => assertClose(cell(lens, ref.input_ids.length - 1 + s, 1).next, g.prob, 1e-5, `step ${s}`));
      for (const expected of ref.lens) {
        const c = cell(lens, ref.fed_ids.length - 1, expected.layer);
        c.ids.forEach((id, j) => assertClose(expected.probs_last[id], c.probs[j], 1e-4, `layer ${expected.layer} p(${id})`));
      }
    }
    const { lens: everyRow } = await all.decode(merged, { text: ref.prompt, maxNewTokens: 3 });
    assert.deepEqual(
      everyRow.positions,
      Array.from({ length: ref.input_ids.length + 2 }, (_, i) => i),
      'rows "all" through the If too',
    );
  });
});
