// Sparse per-head attention: when even 8-bit codes would pass the capture cap, the graph returns each query
// row's top-k probabilities (float16) and the mass of the rest, and the masks as bands. Checked against the torch
// reference of tiny-gpt: the kept values are torch's k largest of each row, the rest is 1 − their sum, the
// greedy tokens are torch's, and the bands are the causal mask.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { decode, openModel } from '../../../src/core/decode';
import { AttentionRecorder } from '../../../src/core/decode/capture';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { attentionQueryRow, attentionTopRow } from '../../../src/core/trace/attention';
import { decodeTrace, encodeTrace } from '../../../src/core/trace/file';
import { maskVisibleRow } from '../../../src/core/trace/masks';
import { reference, type Greedy, type RefAttention } from './reference';
import { fixture } from '../paths';

interface GptReference {
  prompt: string;
  max_new_tokens: number;
  greedy: Greedy;
  attention: RefAttention[];
}

const ref = reference<GptReference>('tiny-gpt');
const sessions = new SessionCache();
after(() => sessions.clear());

// tiny-gpt, 2 layers × 4 heads, 21 positions: 8-bit codes with masks need 7,938 bytes; 6,000 leaves room for
// 4 keys per row (42 rows × (4 heads × (4 × 6 + 4) + 12) = 5,208 bytes).
const CAP = 6_000;
const K = 4;

test('8-bit codes are of √p: small probabilities keep their size, every value within the stated error', () => {
  const recorder = new AttentionRecorder(false, false, 8);
  const row = [0.99, 0.005, 0.001, 0.003, 0.0009, 1e-5, 0, 1e-7];
  const plan = { layer: 0, kind: 'self' as const, heads: 1, maxQueries: 1, maxKeys: row.length };
  recorder.addAttention(plan, new ort.Tensor('float32', Float32Array.from(row), [1, 1, 1, row.length]), 'p', 0);
  const [a] = recorder.finish(() => ({ queries: 1, keys: row.length })).attention;
  assert.equal(a.quantized?.coding, 'sqrt');
  const got = attentionQueryRow(a, 0, 0);
  const half = 0.5 / 255;
  for (const [i, p] of row.entries()) {
    assert.ok(Math.abs(got[i] - p) <= a.quantized!.maxError, `${got[i]} vs ${p}`);
    // Within δ(2√p + δ): relative precision for small p (a linear 8-bit code rounds p < 0.002 to 0).
    assert.ok(Math.abs(got[i] - p) <= half * (2 * Math.sqrt(p) + half) + 1e-9, `${got[i]} vs ${p}`);
    if (p >= 1e-5) assert.ok(got[i] > 0, `p ${p} kept`);
  }
});

describe('sparse per-head attention when even 8-bit codes would pass the cap', () => {
  test("each row's k largest probabilities of torch, the rest mass, greedy tokens and causal bands", async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, captureMaxBytes: CAP });
    assert.deepEqual(
      trace.generated.map((g) => g.id),
      ref.greedy.ids,
    );
    assert.match(trace.dropped.join('; '), new RegExp(`${K} largest probabilities`));
    assert.ok(!trace.dropped.some((d) => /averaged/.test(d)), trace.dropped.join('; '));
    let bytes = 0;
    for (const a of trace.attention) {
      const t = a.topK;
      assert.ok(t, `layer ${a.layer} is sparse`);
      assert.equal(a.headAveraged, false);
      assert.equal(a.heads, 4);
      assert.equal(t.k, K);
      bytes += t.values.byteLength + t.indices.byteLength + t.rest.byteLength;
      const want = ref.attention.find((r) => r.layer === a.layer && r.kind === a.kind)!;
      for (let h = 0; h < a.heads; h++)
        for (let q = 0; q < a.queries; q++) {
          const torchRow = want.data[h][q];
          const sorted = [...torchRow].sort((x, y) => y - x);
          const { keys, values, rest } = attentionTopRow(a, h, q);
          const kept = Math.min(K, q + 1);
          let sum = 0;
          for (let j = 0; j < K; j++) {
            // float16 (relative 2^-11) of ORT's float32, itself within 1e-4 of torch.
            const tolerance = 1e-4 + sorted[j] * t.maxRelativeError + 6e-8;
            assert.ok(
              Math.abs(values[j] - sorted[j]) <= tolerance,
              `layer ${a.layer} head ${h} row ${q} #${j}: ${values[j]} vs ${sorted[j]}`,
            );
            // The key it names holds that value in torch (ties aside).
            assert.ok(Math.abs(torchRow[keys[j]] - values[j]) <= tolerance + 1e-4, `key ${keys[j]}`);
            if (j < kept) assert.ok(keys[j] <= q, `row ${q} keeps key ${keys[j]}, which the causal mask hides`);
            sum += sorted[j];
          }
          assert.ok(Math.abs(rest - (1 - sum)) <= 1e-4 * (K + 1), `rest ${rest} vs ${1 - sum}`);
          // The dense row reads the kept values and 0 elsewhere.
          const row = attentionQueryRow(a, h, q);
          assert.equal(row.length, a.keys);
          assert.equal(
            row.reduce((n, v) => n + (v > 0 ? 1 : 0), 0),
            values.filter((v) => v > 0).length,
          );
        }
    }
    assert.equal(trace.masks.length, trace.attention.length);
    for (const m of trace.masks) {
      assert.ok(m.bands);
      bytes += m.bands.first.byteLength * 3;
      for (let q = 0; q < m.queries; q++) {
        assert.deepEqual(
          Array.from(maskVisibleRow(m, q)),
          Array.from({ length: m.keys }, (_, k) => (k <= q ? 1 : 0)),
        );
      }
    }
    assert.ok(bytes <= CAP, `${bytes} bytes kept, cap ${CAP}`);
    // Saved and read back unchanged.
    const reread = decodeTrace(encodeTrace(trace));
    for (const [i, a] of reread.attention.entries())
      assert.deepEqual(
        Array.from(attentionQueryRow(a, 2, a.queries - 1)),
        Array.from(attentionQueryRow(trace.attention[i], 2, a.queries - 1)),
      );
    assert.deepEqual(reread.masks[0].bands?.last, trace.masks[0].bands?.last);
  });

  test('with the default cap the same decode keeps full float32 and never builds the compact graph', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens });
    assert.ok(trace.attention.every((a) => !a.topK && !a.quantized));
    assert.ok(trace.masks.every((m) => !m.bands && m.visible.length === m.queries * m.keys));
  });
});
