import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { attentionValues } from '../../../src/core/trace/attention';
import { decodeTrace, encodeTrace } from '../../../src/core/trace/file';
import { assertAttention, reference, type Greedy, type RefAttention } from './reference';
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

// tiny-gpt, 2 layers × 4 heads, sized for 10 + 12 − 1 = 21 positions: per-head float32 with masks needs 18,522
// bytes, 16-bit codes 11,466, 8-bit codes (or float32 averaged over heads) 7,938.
const caps = { sixteen: 15_000, eight: 9_000 };

describe('compact per-head attention when float32 would pass the capture cap', () => {
  for (const [bits, cap] of [
    [16, caps.sixteen],
    [8, caps.eight],
  ] as const) {
    test(`${bits}-bit: every head kept, values within the stated error of torch, saved and read back`, async () => {
      const model = await openModel(fixture('tiny-gpt'));
      // compactAttention is the default.
      const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, captureMaxBytes: cap });
      assert.deepEqual(
        trace.generated.map((g) => g.id),
        ref.greedy.ids,
      );
      assert.match(trace.dropped.join('; '), new RegExp(`${bits}-bit probabilities`));
      for (const a of trace.attention) {
        assert.equal(a.headAveraged, false);
        assert.equal(a.heads, 4);
        assert.equal(a.quantized?.bits, bits);
        assert.equal(a.quantized.codes.length, (a.heads * a.queries * a.keys * bits) / 8);
      }
      const error = trace.attention[0].quantized!.maxError;
      // 16-bit: half a step of p; 8-bit codes of √p: δ(2 + δ), δ half a step, at p = 1.
      assert.ok(error <= (bits === 16 ? 1e-5 : 4e-3), `stated error ${error}`);
      const values = (t: typeof trace) => t.attention.map((a) => ({ ...a, data: attentionValues(a), quantized: undefined }));
      assertAttention(values(trace), ref.attention, 1e-4 + error);
      const reread = decodeTrace(encodeTrace(trace));
      assert.deepEqual(
        values(reread).map((a) => Array.from(a.data)),
        values(trace).map((a) => Array.from(a.data)),
      );
    });
  }

  test('with compactAttention off the same cap averages the heads, as before', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, {
      text: ref.prompt,
      maxNewTokens: ref.max_new_tokens,
      captureMaxBytes: caps.sixteen,
      compactAttention: false,
    });
    for (const a of trace.attention) {
      assert.equal(a.headAveraged, true);
      assert.equal(a.quantized, undefined);
      assert.equal(a.data.length, a.queries * a.keys);
    }
  });

  test('compact is the default, and under the cap nothing changes: float32, every head', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens });
    assert.ok(trace.attention.every((a) => !a.quantized && a.heads === 4));
    assertAttention(trace.attention, ref.attention);
  });
});
