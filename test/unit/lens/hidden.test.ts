import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { hiddenStats } from '../../../src/core/lens';
import { assertClose, reference } from '../decode/reference';
import { fixture } from '../paths';

interface GptReference {
  prompt: string;
  max_new_tokens: number;
  hidden_states: { layer: number; data: number[][] }[];
}

const ref = reference<GptReference>('tiny-gpt');
const sessions = new SessionCache();
after(() => sessions.clear());

const norm = (v: number[]) => Math.hypot(...v);
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / (norm(a) * norm(b));

describe('hidden-state statistics', () => {
  const cases = [
    { name: 'vectors kept, KV cache', options: { hiddenVectors: true } },
    { name: 'no vectors kept (the extension), KV cache', options: {} },
    { name: 'no vectors kept, full recompute', options: { useCache: false } },
  ];
  for (const { name, options } of cases) {
    test(`per-layer norms and the cosine between consecutive layers equal torch (${name})`, async () => {
      const model = await openModel(fixture('tiny-gpt'));
      const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, ...options });
      const stats = hiddenStats(trace.hidden);
      const [h0, h1] = ref.hidden_states.map((h) => h.data);
      assert.deepEqual(stats.layers, [0, 1]);
      assert.equal(stats.positions, h0.length, 'every fed position');
      let change = 0;
      h0.forEach((row, p) => {
        assertClose(stats.norms[p], norm(row), 1e-4 * norm(row), `layer 0 norm at ${p}`);
        assertClose(stats.norms[stats.positions + p], norm(h1[p]), 1e-4 * norm(h1[p]), `layer 1 norm at ${p}`);
        assert.ok(Number.isNaN(stats.cosine[p]), 'no layer before the first captured one');
        const expected = cosine(row, h1[p]);
        assertClose(stats.cosine[stats.positions + p], expected, 1e-5, `cosine(layer 0, layer 1) at ${p}`);
        change += (1 - expected) / h0.length;
      });
      assertClose(stats.change[1], change, 1e-5, 'mean change of layer 1');
      assert.ok(Number.isNaN(stats.change[0]));
      assert.equal(trace.hidden[0].vectors !== undefined, 'hiddenVectors' in options, 'vectors kept only when asked');
    });
  }

  test('older traces without vectors or recorded cosines: norms only, cosines unknown', () => {
    const stats = hiddenStats([
      { layer: 1, norms: Float32Array.of(3, 4), width: 2 },
      { layer: 0, norms: Float32Array.of(1, 2), width: 2 },
    ]);
    assert.deepEqual(stats.layers, [0, 1]);
    assert.deepEqual(Array.from(stats.norms), [1, 2, 3, 4]);
    assert.deepEqual(stats.meanNorm, [1.5, 3.5]);
    assert.ok(Array.from(stats.cosine).every(Number.isNaN));
    assert.deepEqual(hiddenStats([]).positions, 0);
  });
});
