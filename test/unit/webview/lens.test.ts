import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LensCapture } from '../../../src/core/lens/outputs';
import { hiddenView, lensView } from '../../../src/panelData/lens';
import { PanelDataService } from '../../../src/panelData/serve';
import { decoderOnlyData } from './build';

// 2 positions × 3 layers × k 2, [position][layer][k].
const capture: LensCapture = {
  layers: [0, 1, 2],
  positions: [4, 5],
  k: 2,
  rows: 'last',
  ids: Int32Array.from([1, 9, 2, 9, 2, 9, /* position 5 */ 3, 9, 3, 9, 7, 9]),
  probs: Float32Array.from([0.5, 0.1, 0.6, 0.1, 0.7, 0.1, 0.2, 0.1, 0.3, 0.1, 0.9, 0.05]),
  nextIds: Int32Array.from([2, 7]),
  nextProbs: Float32Array.from([0.1, 0.6, 0.7, 0.01, 0.02, 0.9]),
  head: null,
  unavailable: [],
  texts: { 1: 'a', 2: 'b', 3: 'c', 7: 'g', 9: 'z' },
};

test('lensView: top-1 ids, probabilities and texts as [layer][position] rows; decision layers per position', () => {
  const v = lensView(capture);
  assert.deepEqual([...v.positions], [4, 5]);
  assert.deepEqual([...v.topIds], [1, 3, 2, 3, 2, 7]);
  assert.deepEqual(
    [...v.topProbs].map((p) => +p.toFixed(2)),
    [0.5, 0.2, 0.6, 0.3, 0.7, 0.9],
  );
  assert.deepEqual(v.topTexts, ['a', 'c', 'b', 'c', 'b', 'g']);
  assert.deepEqual([...v.decision], [1, 2]);
  assert.equal(v.nextProbs.length, 6);
});

test('the service posts lens and hidden results as typed arrays of their own, and null without them', () => {
  const s = new PanelDataService({ ...decoderOnlyData(), lens: lensView(capture) });
  const r = s.lens();
  assert.ok(r && r.topProbs instanceof Float32Array && r.topProbs.byteLength === r.topProbs.buffer.byteLength);
  assert.equal(s.hidden(), null);
  assert.equal(new PanelDataService(decoderOnlyData()).lens(), null);
});

test('hiddenView: mean norm per layer; change is NaN without vectors, 1 − cosine with them', () => {
  assert.equal(hiddenView([]), undefined);
  const h = hiddenView([
    { layer: 1, width: 2, norms: Float32Array.from([2, 2]), vectors: Float32Array.from([0, 2, 0, 2]) },
    { layer: 0, width: 2, norms: Float32Array.from([1, 3]), vectors: Float32Array.from([1, 0, 3, 0]) },
  ])!;
  assert.deepEqual(h.layers, [0, 1]);
  assert.deepEqual([...h.meanNorm], [2, 2]);
  assert.ok(Number.isNaN(h.change[0]));
  assert.equal(h.change[1], 1);
});
