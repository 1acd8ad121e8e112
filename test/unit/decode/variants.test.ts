import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { assertClose, reference } from './reference';
import { plainGreedy } from './plainOrt';
import { fixture } from '../paths';

interface GptReference {
  prompt: string;
  input_ids: number[];
  max_new_tokens: number;
  eos_token_id: number;
}

const ref = reference<GptReference>('tiny-gpt');
const sessions = new SessionCache();
after(() => sessions.clear());

const TOLERANCE = 1e-3;

// The transformers.js-style folder built from tiny-gpt: fp32 (external data), fp16 (float16 logits, attention and
// KV cache), int8, q4 (MatMulNBits), q4f16 (q4 in float16) and bnb4 (MatMulBnb4). Each is held to a plain ORT loop on the same file.
describe('every variant decodes what plain ONNX Runtime decodes on the same file', () => {
  for (const file of ['model.onnx', 'model_fp16.onnx', 'model_int8.onnx', 'model_q4.onnx', 'model_q4f16.onnx', 'model_bnb4.onnx']) {
    test(`${file}: greedy tokens equal, probabilities and prompt attention within ${TOLERANCE}`, async () => {
      const path = fixture('tiny-gpt-tjs', 'onnx', file);
      const plain = await plainGreedy(path, ref.input_ids, ref.max_new_tokens, ref.eos_token_id);
      const model = await openModel(path);
      const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens });
      assert.deepEqual(
        trace.input.tokens.map((t) => t.id),
        ref.input_ids,
      );
      assert.deepEqual(
        trace.generated.map((g) => g.id),
        plain.steps.map((s) => s.id),
        'greedy tokens',
      );
      trace.generated.forEach((g, i) => {
        assert.ok(Number.isFinite(g.prob), `step ${i}: a finite probability, got ${g.prob}`);
        assertClose(g.prob, plain.steps[i].prob, TOLERANCE, `step ${i} probability`);
        g.top.forEach((t, j) => assertClose(t.prob, plain.steps[i].top[j].prob, TOLERANCE, `step ${i} top ${j}`));
      });
      plain.inputProbs.forEach((p, i) => {
        if (i === 0) return;
        assert.ok(Number.isFinite(trace.inputProbs[i]), `p(input token ${i}) is finite`);
        assertClose(trace.inputProbs[i], p, TOLERANCE, `p(input token ${i})`);
      });
      const n = ref.input_ids.length;
      const self = trace.attention.filter((a) => a.kind === 'self').sort((a, b) => a.layer - b.layer);
      assert.equal(self.length, plain.attention.length, 'one capture per Softmax');
      self.forEach((a, layer) => {
        let worst = 0;
        for (let h = 0; h < a.heads; h++)
          for (let q = 0; q < n; q++)
            for (let k = 0; k < n; k++)
              worst = Math.max(worst, Math.abs(a.data[(h * a.queries + q) * a.keys + k] - plain.attention[layer][h][q][k]));
        assert.ok(worst <= TOLERANCE, `layer ${a.layer} prompt attention: max |Δ| ${worst}`);
      });
      for (const h of trace.hidden) assert.ok(h.norms.every(Number.isFinite), `layer ${h.layer} hidden-state norms are finite`);
    });
  }

  test('model_fp16.onnx with the lens: probabilities are numbers in [0, 1], the last layer agrees with the model', async () => {
    const model = await openModel(fixture('tiny-gpt-tjs', 'onnx', 'model_fp16.onnx'));
    const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: 3, lens: { rows: 'last', k: 5 } });
    const lens = trace.lens!;
    assert.ok(lens.layers.length > 0, `the lens ran: ${lens.unavailable.join('; ')}`);
    assert.ok(
      lens.probs.every((p) => p >= 0 && p <= 1),
      'lens probabilities are probabilities',
    );
    const L = lens.layers.length;
    lens.positions.forEach((position, p) => {
      const step = position - (ref.input_ids.length - 1);
      if (step < 0 || step >= trace.generated.length) return;
      const at = (p * L + L - 1) * lens.k;
      assert.equal(lens.ids[at], trace.generated[step].id, `position ${position}: the last layer's top-1 is the chosen token`);
      assertClose(lens.probs[at], trace.generated[step].prob, TOLERANCE, `position ${position}: its probability`);
    });
  });
});
