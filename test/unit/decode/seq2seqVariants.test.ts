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

// The Optimum encoder-decoder folder built from tiny-t5 with dynamically quantised (int8) files beside the fp32 ones.
describe('encoder-decoder variants decode what plain ONNX Runtime decodes on the same files', () => {
  for (const suffix of ['', '_quantized']) {
    test(`encoder_model${suffix}.onnx + decoder_model${suffix}.onnx + decoder_with_past_model${suffix}.onnx`, async () => {
      const dir = fixture('tiny-t5-quantized', 'onnx');
      const files = {
        encoder: `${dir}/encoder_model${suffix}.onnx`,
        decoder: `${dir}/decoder_model${suffix}.onnx`,
        withPast: `${dir}/decoder_with_past_model${suffix}.onnx`,
      };
      const plain = await plainSeq2SeqGreedy(files, ref.input_ids, ref.decoder_start_token_id, ref.max_new_tokens, ref.eos_token_id);
      const model = await openModel(fixture('tiny-t5-quantized'));
      model.layout = {
        ...model.layout,
        files: [
          { role: 'encoder', path: files.encoder },
          { role: 'decoder', path: files.decoder },
          { role: 'decoder-with-past', path: files.withPast },
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
      assert.ok(plain.encoder.size > 0 && plain.firstCross.size > 0, 'the plain run found the Softmax outputs');
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
