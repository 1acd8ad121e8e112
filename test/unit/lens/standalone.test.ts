// The standalone lens: the decode session returns hidden states only, and a separate small model (the model's own
// final norm + LM head, read from the model file, not copied) runs over every recorded row after the decode.
// Checked against the model's own softmax(logits) and against the in-graph lens on the same rows.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { GptSpec } from '../../../bench/graph/gptGraph';
import { gptModel, mergedGptModel } from '../../../bench/graph/gptModel';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { softmax } from '../../../src/core/decode/sampling';
import { buildLensModel } from '../../../src/core/lens';
import { findModelLens } from '../../../src/core/lens/model';
import { LensRecorder } from '../../../src/core/lens/recorder';
import { buildStandaloneLens } from '../../../src/core/lens/standalone';
import { ort, writeTmp } from '../onnx/helpers';
import { synthFeeds } from '../onnx/synth';

// A head of 48 × 300 float32 (57.6 KB): large enough to be read from the model file rather than copied.
const SPEC: GptSpec = { layers: 3, hidden: 48, heads: 4, vocab: 300 };
const sessions = new SessionCache();
after(() => sessions.clear());

/** One full pass of `file` through the cache's lens-rows session, recorded with rows 'all'. */
async function recorded(file: string, batchBytes?: number, seq = 7) {
  const session = await sessions.open(file, { taps: false, lensRows: true });
  const feeds = synthFeeds(SPEC, file.includes('merged') ? { merged: true, useCache: false } : {}, { batch: 1, seq });
  const outputs = await session.session.run(feeds);
  const recorder = new LensRecorder({ rows: 'all', k: 5 }, batchBytes);
  recorder.step(session, feeds, outputs);
  return { session, feeds, outputs, capture: await recorder.finish(undefined) };
}

describe('the lens as a model of its own', () => {
  const file = writeTmp('decoder_model.onnx', gptModel(SPEC));

  test('the decode session carries no lens nodes, and the lens model does not copy the LM head', async () => {
    const { session } = await recorded(file);
    assert.ok(session.lens?.rows, session.lens?.unavailable ?? 'lens rows');
    assert.deepEqual(
      session.session.outputNames.filter((n) => n.startsWith('decoder_lens/lens')),
      [],
      'no lens output in the decode graph',
    );
    assert.deepEqual(session.taps, [], 'without taps, the hidden states are the lens’s inputs only');
    const { model, head } = await findModelLens(file);
    const built = await buildStandaloneLens(model, head!, 'float32');
    assert.ok(built.bytes.length < (SPEC.hidden * SPEC.vocab * 4) / 4, `the lens model is ${built.bytes.length} bytes`);
  });

  test('with taps, decodes with and without the lens share one ONNX Runtime session', async () => {
    const tapped = await sessions.open(file, { taps: true });
    const withRows = await sessions.open(file, { taps: true, lensRows: true });
    assert.equal(withRows.session, tapped.session);
    assert.deepEqual(withRows.taps, tapped.taps);
    assert.ok(withRows.lens?.rows && !tapped.lens);
  });

  test('its last layer is the model’s own softmax(logits) at every row, and p(next token) the same (1e-5)', async () => {
    const { capture, outputs, feeds } = await recorded(file);
    const V = SPEC.vocab;
    const logits = outputs.logits.data as Float32Array;
    const ids = feeds.input_ids.data as BigInt64Array;
    const L = capture.layers.length;
    assert.deepEqual(capture.layers, [0, 1, 2]);
    assert.deepEqual(capture.positions, [0, 1, 2, 3, 4, 5, 6]);
    capture.positions.forEach((position, p) => {
      const own = softmax(logits.subarray(p * V, (p + 1) * V));
      const at = (p * L + L - 1) * capture.k;
      const sorted = [...own].sort((a, b) => b - a);
      for (let j = 0; j < capture.k; j++) {
        assert.ok(Math.abs(capture.probs[at + j] - sorted[j]) < 1e-5, `position ${position} top ${j}`);
        assert.ok(Math.abs(own[capture.ids[at + j]] - capture.probs[at + j]) < 1e-5, `position ${position} id ${j}`);
      }
      if (p + 1 < ids.length) {
        assert.equal(capture.nextIds[p], Number(ids[p + 1]));
        assert.ok(Math.abs(capture.nextProbs[p * L + L - 1] - own[Number(ids[p + 1])]) < 1e-5, `p(next) at ${position}`);
      } else {
        assert.equal(capture.nextIds[p], -1, 'the token after the last row is not known');
        assert.ok(Number.isNaN(capture.nextProbs[p * L + L - 1]));
      }
    });
  });

  test('every layer equals the in-graph lens on the same rows (1e-5)', async () => {
    const { capture, feeds } = await recorded(file);
    const inGraph = await buildLensModel(file, { taps: false, lens: { rows: 'all', k: 5 } });
    const session = await ort.InferenceSession.create(inGraph.bytes);
    try {
      const out = await session.run(feeds);
      const top = out[inGraph.lens!.outputs.topProbs].data as Float32Array;
      const topIds = out[inGraph.lens!.outputs.topIds].data as BigInt64Array;
      const rows = capture.positions.length;
      const L = capture.layers.length;
      for (let l = 0; l < L; l++)
        for (let r = 0; r < rows; r++)
          for (let j = 0; j < capture.k; j++) {
            const a = (r * L + l) * capture.k + j;
            const b = (l * rows + r) * capture.k + j;
            assert.ok(Math.abs(capture.probs[a] - top[b]) < 1e-5, `layer ${l} row ${r} top ${j}`);
            assert.equal(capture.ids[a], Number(topIds[b]), `layer ${l} row ${r} id ${j}`);
          }
    } finally {
      await session.release();
    }
  });

  test('a batch bound of one row gives the same capture as one batch', async () => {
    const whole = (await recorded(file)).capture;
    const rowByRow = (await recorded(file, 1)).capture;
    assert.deepEqual(rowByRow.ids, whole.ids);
    assert.deepEqual(rowByRow.probs, whole.probs);
    assert.deepEqual(rowByRow.nextProbs, whole.nextProbs);
  });

  test('a merged decoder: the head copied out of the If branch, reading the lifted hidden states', async () => {
    const merged = writeTmp('decoder_model_merged.onnx', mergedGptModel(SPEC));
    const { capture, outputs } = await recorded(merged);
    assert.deepEqual(capture.unavailable, []);
    const V = SPEC.vocab;
    const logits = outputs.logits.data as Float32Array;
    const L = capture.layers.length;
    capture.positions.forEach((_, p) => {
      const own = softmax(logits.subarray(p * V, (p + 1) * V));
      const at = (p * L + L - 1) * capture.k;
      assert.ok(Math.abs(own[capture.ids[at]] - capture.probs[at]) < 1e-5, `row ${p}`);
    });
  });
});
