import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import type { AttentionCapture } from '../../../src/core/trace/types';
import { assertClose, reference } from './reference';
import { plainSeq2SeqGreedy } from './plainOrt';
import { fixture } from '../paths';

interface T5Reference {
  source: string;
  input_ids: number[];
  decoder_start_token_id: number;
  eos_token_id: number;
  max_new_tokens: number;
}

const ref = reference<T5Reference>('tiny-t5');
const sessions = new SessionCache();
after(() => sessions.clear());
const TOLERANCE = 1e-3;

function worstRows(captured: AttentionCapture, expected: Float64Array[][], rows: number): number {
  let worst = 0;
  for (let h = 0; h < captured.heads; h++)
    for (let q = 0; q < rows; q++)
      for (let k = 0; k < captured.keys; k++)
        worst = Math.max(worst, Math.abs(captured.data[(h * captured.queries + q) * captured.keys + k] - expected[h][q][k]));
  return worst;
}

// tiny-t5 as Optimum writes it (encoder, decoder, decoder-with-past) and as transformers.js v3 has it
// (tiny-t5-quantized/onnx: encoder + decoder_model_merged, fp32 and int8 `_quantized`, and un-merged int8 files).
const T5 = fixture('tiny-t5');
const T5Q = fixture('tiny-t5-quantized', 'onnx');
const layouts: Record<string, { encoder: string; decoder: string; withPast?: string }> = {
  'fp32 encoder + decoder + with-past': {
    encoder: `${T5}/encoder_model.onnx`,
    decoder: `${T5}/decoder_model.onnx`,
    withPast: `${T5}/decoder_with_past_model.onnx`,
  },
  'int8 encoder + decoder + with-past': {
    encoder: `${T5Q}/encoder_model_quantized.onnx`,
    decoder: `${T5Q}/decoder_model_quantized.onnx`,
    withPast: `${T5Q}/decoder_with_past_model_quantized.onnx`,
  },
  'fp32 encoder + merged decoder': { encoder: `${T5Q}/encoder_model.onnx`, decoder: `${T5Q}/decoder_model_merged.onnx` },
  'int8 encoder + merged decoder': {
    encoder: `${T5Q}/encoder_model_quantized.onnx`,
    decoder: `${T5Q}/decoder_model_merged_quantized.onnx`,
  },
};

describe('encoder-decoder variants decode what plain ONNX Runtime decodes on the same files', () => {
  for (const [name, files] of Object.entries(layouts)) {
    test(`${name}: greedy tokens, probabilities, encoder attention and (un-merged) the first cross row`, async () => {
      const plain = await plainSeq2SeqGreedy(files, ref.input_ids, ref.decoder_start_token_id, ref.max_new_tokens, ref.eos_token_id);
      const model = await openModel(T5);
      model.layout = {
        ...model.layout,
        files: [
          { role: 'encoder', path: files.encoder },
          files.withPast ? { role: 'decoder', path: files.decoder } : { role: 'decoder-merged', path: files.decoder },
          ...(files.withPast ? [{ role: 'decoder-with-past' as const, path: files.withPast }] : []),
        ],
      };
      const trace = await decode(model, sessions, { text: ref.source, maxNewTokens: ref.max_new_tokens });
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
        assertClose(g.prob, plain.steps[i].prob, TOLERANCE, `step ${i} probability`);
        g.top.forEach((t, j) => assertClose(t.prob, plain.steps[i].top[j].prob, TOLERANCE, `step ${i} top ${j}`));
      });
      assert.ok(plain.encoder.size > 0 && (plain.firstCross.size > 0 || !files.withPast), 'the plain run found the Softmax outputs');
      for (const [layer, expected] of plain.encoder) {
        const a = trace.attention.find((x) => x.kind === 'encoder' && x.layer === layer)!;
        assert.ok(worstRows(a, expected, a.queries) <= TOLERANCE, `encoder layer ${layer}`);
      }
      for (const [layer, expected] of plain.firstCross) {
        const a = trace.attention.find((x) => x.kind === 'cross' && x.layer === layer)!;
        assert.ok(worstRows(a, expected, 1) <= TOLERANCE, `first cross row, layer ${layer}`);
      }
    });
  }
});
