import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { fixture } from '../paths';
import { assertAttention, assertGreedy, maxAbsDiff, reference, type Greedy, type RefAttention } from './reference';

interface T5Reference {
  source: string;
  input_ids: number[];
  expected_text: string;
  decoder_start_token_id: number;
  max_new_tokens: number;
  greedy: Greedy;
  decoder_input_ids: number[];
  attention: RefAttention[];
  masked: { encoder_attention_mask: number[]; greedy: Greedy; attention: RefAttention[] };
}

const ref = reference<T5Reference>('tiny-t5');
const sessions = new SessionCache();
after(() => sessions.clear());

describe('encoder-decoder decoding against the torch reference (tiny-t5)', () => {
  for (const useCache of [true, false]) {
    test(`${useCache ? 'with' : 'without'} KV cache: greedy tokens, probabilities, encoder/self/cross attention equal torch`, async () => {
      const model = await openModel(fixture('tiny-t5'));
      const trace = await decode(model, sessions, { text: ref.source, maxNewTokens: ref.max_new_tokens, useCache });
      assert.equal(trace.model.architecture, 'encoder-decoder');
      assert.deepEqual(
        trace.input.tokens.map((t) => t.id),
        ref.input_ids,
      );
      assert.deepEqual(
        trace.positions.map((t) => t.id),
        ref.decoder_input_ids,
        'decoder positions: start token, then generated tokens fed back',
      );
      assertGreedy(trace, ref.greedy);
      assertAttention(trace.attention, ref.attention);
    });
  }

  test('the model does its task', async () => {
    const model = await openModel(fixture('tiny-t5'));
    const trace = await decode(model, sessions, { text: ref.source, maxNewTokens: ref.max_new_tokens });
    assert.equal(
      model.tokenizer
        .decode(
          trace.generated.map((g) => g.id),
          { skipSpecialTokens: true },
        )
        .trim(),
      ref.expected_text.trim(),
    );
  });

  test('hiding source tokens gives what torch gives with that encoder_attention_mask, and cross attention never reads them', async () => {
    const model = await openModel(fixture('tiny-t5'));
    const trace = await decode(model, sessions, {
      text: ref.source,
      maxNewTokens: ref.max_new_tokens,
      attentionMask: ref.masked.encoder_attention_mask,
    });
    assertGreedy(trace, ref.masked.greedy);
    assertAttention(trace.attention, ref.masked.attention);
    const hidden = ref.masked.encoder_attention_mask.flatMap((v, i) => (v === 0 ? [i] : []));
    for (const a of trace.attention.filter((x) => x.kind === 'cross'))
      for (let h = 0; h < a.heads; h++)
        for (let q = 0; q < a.queries; q++) for (const k of hidden) assert.ok(a.data[(h * a.queries + q) * a.keys + k] < 1e-6);
  });

  test('KV-cache and recompute give the same matrices', async () => {
    const model = await openModel(fixture('tiny-t5'));
    const a = await decode(model, sessions, { text: ref.source, maxNewTokens: ref.max_new_tokens, useCache: true });
    const b = await decode(model, sessions, { text: ref.source, maxNewTokens: ref.max_new_tokens, useCache: false });
    a.attention.forEach((x, i) => assert.ok(maxAbsDiff(x.data, b.attention[i].data) < 1e-5, `${x.kind} ${x.layer}`));
  });
});
