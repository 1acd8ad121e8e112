import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { after, describe, test } from 'node:test';
import { decode, decodeOptions, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import type { AttentionCapture } from '../../../src/core/trace/types';
import { assertClose, maskRow, reference, type Greedy, type RefAttention } from './reference';
import { fixture } from '../paths';

interface GptReference {
  prompt: string;
  input_ids: number[];
  greedy: Greedy;
  input_surprisal: { probs: number[] };
  attention: RefAttention[];
  hidden_states: { layer: number; data: number[][] }[];
}
interface T5Reference {
  source: string;
  input_ids: number[];
  decoder_start_token_id: number;
  greedy: Greedy;
  attention: RefAttention[];
}

const gpt = reference<GptReference>('tiny-gpt');
const t5 = reference<T5Reference>('tiny-t5');
const sessions = new SessionCache();
after(() => sessions.clear());

/** The reference matrices cropped to the first `queries` × `keys` (causal rows do not depend on later tokens). */
function assertTopLeft(captured: AttentionCapture, expected: RefAttention, queries: number, keys: number): void {
  assert.equal(captured.heads, expected.data.length);
  assert.equal(captured.queries, queries);
  assert.equal(captured.keys, keys);
  for (let h = 0; h < captured.heads; h++)
    for (let q = 0; q < queries; q++)
      for (let k = 0; k < keys; k++)
        assertClose(
          captured.data[(h * queries + q) * keys + k],
          expected.data[h][q][k],
          1e-4,
          `${expected.kind} layer ${expected.layer} head ${h} (${q}, ${k})`,
        );
}

describe('maxNewTokens 0 scores the text without generating', () => {
  test('decodeOptions accepts 0 and still refuses negatives', () => {
    assert.equal(decodeOptions({ text: 'x', maxNewTokens: 0 }).maxNewTokens, 0);
    assert.throws(() => decodeOptions({ text: 'x', maxNewTokens: -1 }), /maxNewTokens -1/);
  });

  test('decoder-only (tiny-gpt): input probabilities, prompt attention, masks and hidden states equal torch', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, { text: gpt.prompt, maxNewTokens: 0, hiddenVectors: true });
    const n = gpt.input_ids.length;
    assert.deepEqual(
      trace.input.tokens.map((t) => t.id),
      gpt.input_ids,
    );
    assert.equal(trace.stopReason, 'scored');
    assert.deepEqual(trace.generated, []);
    assert.equal(trace.generatedText, '');
    assert.equal(trace.positions.length, n, 'the positions are the input tokens');
    assert.ok(Number.isNaN(trace.inputProbs[0]));
    gpt.input_surprisal.probs.forEach((p, i) => assertClose(trace.inputProbs[i + 1], p, 1e-4, `p(input token ${i + 1})`));
    assert.equal(trace.attention.length, gpt.attention.length);
    for (const expected of gpt.attention)
      assertTopLeft(
        trace.attention.find((a) => a.layer === expected.layer && a.kind === expected.kind)!,
        expected,
        n,
        n,
      );
    for (const mask of trace.masks)
      for (let q = 0; q < n; q++)
        assert.deepEqual(
          maskRow(mask, q),
          Array.from({ length: n }, (_, k) => (k <= q ? 1 : 0)),
          `causal mask layer ${mask.layer} query ${q}`,
        );
    for (const expected of gpt.hidden_states) {
      const h = trace.hidden.find((x) => x.layer === expected.layer)!;
      assert.equal(h.norms.length, n);
      for (let pos = 0; pos < n; pos++) {
        const row = expected.data[pos];
        const norm = Math.hypot(...row);
        assertClose(h.norms[pos], norm, 1e-3 * Math.max(1, norm), `layer ${expected.layer} norm at ${pos}`);
        assertClose(h.vectors![pos * h.width + 1], row[1], 1e-4, `layer ${expected.layer} vector[1] at ${pos}`);
      }
    }
    // What comes after the prompt: torch's first greedy step.
    assert.ok(trace.nextTop);
    assert.equal(trace.nextTop[0].id, gpt.greedy.ids[0]);
    trace.nextTop.forEach((t, j) => assertClose(t.prob, gpt.greedy.top5[0][j].prob, 1e-4, `next top ${j}`));
  });

  test('decoder-only: the lens covers every input position, its last layer is the model’s own distribution', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, { text: gpt.prompt, maxNewTokens: 0, lens: { rows: 'all', k: 5 } });
    const lens = trace.lens!;
    const n = gpt.input_ids.length;
    assert.deepEqual(
      lens.positions,
      Array.from({ length: n }, (_, i) => i),
    );
    const L = lens.layers.length;
    for (let p = 0; p < n - 1; p++) {
      const at = (p * L + L - 1) * lens.k;
      assert.equal(lens.ids[at], trace.inputTop[p + 1][0].id, `position ${p}: top-1 of the last layer`);
      assertClose(lens.probs[at], trace.inputTop[p + 1][0].prob, 1e-5, `position ${p}: its probability`);
      assert.equal(lens.nextIds[p], gpt.input_ids[p + 1], 'the next token is the next input token');
      assertClose(lens.nextProbs[p * L + L - 1], trace.inputProbs[p + 1], 1e-5, `position ${p}: p(next input token)`);
    }
    assert.equal(lens.ids[((n - 1) * L + L - 1) * lens.k], trace.nextTop![0].id, 'the last position predicts nextTop');
  });

  test('a score on a split folder runs one pass with one session', async () => {
    const own = new SessionCache();
    try {
      const model = await openModel(fixture('tiny-gpt'));
      const split = ['decoder_model.onnx', 'decoder_with_past_model.onnx'];
      model.layout = { ...model.layout, files: model.layout.files.filter((f) => split.includes(basename(f.path))) };
      const trace = await decode(model, own, { text: gpt.prompt, maxNewTokens: 0 });
      assert.equal(own.size, 1);
      assertClose(trace.inputProbs[1], gpt.input_surprisal.probs[0], 1e-4, 'p(input token 1)');
    } finally {
      await own.clear();
    }
  });

  // Encoder-decoder: no target text, so a score runs the encoder and the decoder's first step over the start token.
  test('encoder-decoder (tiny-t5): encoder attention, the first cross row and the first-token distribution equal torch', async () => {
    const model = await openModel(fixture('tiny-t5'));
    const trace = await decode(model, sessions, { text: t5.source, maxNewTokens: 0 });
    const n = t5.input_ids.length;
    assert.equal(trace.stopReason, 'scored');
    assert.deepEqual(trace.generated, []);
    assert.deepEqual(
      trace.positions.map((p) => p.id),
      [t5.decoder_start_token_id],
    );
    assert.ok(Array.from(trace.inputProbs).every(Number.isNaN), 'the source has no probabilities of its own');
    for (const expected of t5.attention) {
      const captured = trace.attention.find((a) => a.layer === expected.layer && a.kind === expected.kind);
      assert.ok(captured, `${expected.kind} layer ${expected.layer}`);
      if (expected.kind === 'encoder') assertTopLeft(captured, expected, n, n);
      else if (expected.kind === 'cross') assertTopLeft(captured, expected, 1, n);
      else assertTopLeft(captured, expected, 1, 1);
    }
    assert.ok(trace.nextTop);
    assert.equal(trace.nextTop[0].id, t5.greedy.ids[0]);
    assertClose(trace.nextTop[0].prob, t5.greedy.probs[0], 1e-4, 'p(first target token)');
    trace.nextTop.forEach((t, j) => assertClose(t.prob, t5.greedy.top5[0][j].prob, 1e-4, `first-step top ${j}`));
  });
});
