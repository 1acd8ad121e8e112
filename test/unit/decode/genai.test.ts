import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { DecoderLensError } from '../../../src/core/errors';
import type { Trace } from '../../../src/core/trace/types';
import { assertClose, reference } from './reference';
import { plainGreedy, type PlainRun } from './plainOrt';
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

function assertSameAsPlain(trace: Trace, plain: PlainRun): void {
  assert.deepEqual(
    trace.input.tokens.map((t) => t.id),
    ref.input_ids,
  );
  assert.deepEqual(
    trace.generated.map((g) => g.id),
    plain.steps.map((s) => s.id),
    'greedy tokens',
  );
  trace.generated.forEach((g, i) => assertClose(g.prob, plain.steps[i].prob, TOLERANCE, `step ${i} probability`));
  plain.inputProbs.forEach((p, i) => i > 0 && assertClose(trace.inputProbs[i], p, TOLERANCE, `p(input token ${i})`));
}

/** Attention a fused GroupQueryAttention yields (when captured at all) is causal and sums to 1 per row. */
function assertAttentionRows(trace: Trace): void {
  for (const a of trace.attention)
    for (let h = 0; h < a.heads; h++)
      for (let q = 0; q < a.queries; q++) {
        let sum = 0;
        for (let k = 0; k < a.keys; k++) {
          const w = a.data[(h * a.queries + q) * a.keys + k];
          if (k > q) assert.ok(w <= 1e-6, `layer ${a.layer} head ${h}: query ${q} reads the future key ${k}`);
          sum += w;
        }
        assertClose(sum, 1, 1e-4, `layer ${a.layer} head ${h} row ${q}`);
      }
}

describe('GroupQueryAttention models decode what plain ONNX Runtime decodes on the same file', () => {
  test('GenAI folder (lengths derived from attention_mask in the graph, past_key_values.%d.key / present.%d.key)', async () => {
    const file = fixture('tiny-gpt-genai', 'model.onnx');
    const plain = await plainGreedy(file, ref.input_ids, ref.max_new_tokens, ref.eos_token_id);
    const trace = await decode(await openModel(file), sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens });
    assertSameAsPlain(trace, plain);
    assertAttentionRows(trace);
  });

  // GenAI's past_present_share_buffer preallocates past and present at max_length and binds them to one buffer.
  // ONNX Runtime's CPU GroupQueryAttention makes the present max(total, past buffer) long and copies the past
  // into it when the buffers differ, so a growing cache (what Decoder Lens feeds) and a max_length buffer give
  // the same result: the buffer only saves copies, on GPUs with IO binding. This holds that to the plain loop.
  test('a past_present_share_buffer loop (a max_length KV buffer, present passed back) decodes the same', async () => {
    const file = fixture('tiny-gpt-genai', 'model.onnx');
    const config = JSON.parse(readFileSync(fixture('tiny-gpt-genai', 'genai_config.json'), 'utf8')) as { search: { max_length: number } };
    const shared = await plainGreedy(file, ref.input_ids, ref.max_new_tokens, ref.eos_token_id, { shareBuffer: config.search.max_length });
    const trace = await decode(await openModel(file), sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens });
    assertSameAsPlain(trace, shared);
  });

  test('GenAI names from genai_config.json (past_key_%d, present_value_%d, ...) are fed and read', async () => {
    const file = fixture('tiny-gpt-genai-names', 'model.onnx');
    const plain = await plainGreedy(file, ref.input_ids, ref.max_new_tokens, ref.eos_token_id);
    const trace = await decode(await openModel(fixture('tiny-gpt-genai-names')), sessions, {
      text: ref.prompt,
      maxNewTokens: ref.max_new_tokens,
      lens: { rows: 'last', k: 5 },
    });
    assertSameAsPlain(trace, plain);
    assert.equal(trace.model.kvCache, true);
    assert.ok(trace.lens && trace.lens.positions.length > 1, 'the lens saw every step');
  });

  test('seqlens_k and total_sequence_length as graph inputs are fed (int32 total − 1 and total)', async () => {
    const file = fixture('tiny-gpt-gqa-lengths', 'model.onnx');
    const plain = await plainGreedy(file, ref.input_ids, ref.max_new_tokens, ref.eos_token_id);
    const trace = await decode(await openModel(file), sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens });
    assertSameAsPlain(trace, plain);
    // The same weights as the GenAI file, whose lengths come from the mask: the same tokens.
    const genai = await plainGreedy(fixture('tiny-gpt-genai', 'model.onnx'), ref.input_ids, ref.max_new_tokens, ref.eos_token_id);
    assert.deepEqual(
      trace.generated.map((g) => g.id),
      genai.steps.map((s) => s.id),
    );
  });

  test('a mask override on a graph that takes lengths, not a mask, is refused with the reason', async () => {
    const file = fixture('tiny-gpt-gqa-lengths', 'model.onnx');
    const mask = ref.input_ids.map((_, i) => (i === 2 ? 0 : 1));
    await assert.rejects(
      decode(await openModel(file), sessions, { text: ref.prompt, maxNewTokens: 2, attentionMask: mask }),
      (e: unknown) => e instanceof DecoderLensError && e.code === 'unsupported' && e.message.includes('seqlens_k'),
    );
  });

  test('past inputs declared at a fixed length (a preallocated KV buffer) are refused with the reason', async () => {
    const file = fixture('tiny-gpt-kv-buffer', 'model.onnx');
    await assert.rejects(
      decode(await openModel(file), sessions, { text: ref.prompt, maxNewTokens: 2 }),
      (e: unknown) => e instanceof DecoderLensError && e.code === 'unsupported' && /fixed length of 64 positions/.test(e.message),
    );
  });
});
