import assert from 'node:assert/strict';
import { test } from 'node:test';
import { occlusionText, patchingText, rankingText } from '../../../src/host/interventions/interventionText';

test('the ranking report lists every head by drop, largest first, then a layer × head table per kind', () => {
  const text = rankingText({
    model: '/m',
    step: 0,
    chosen: { id: 5, text: ' x' },
    prob: 0.9,
    heads: [
      { kind: 'self', layer: 0, head: 0, prob: 0.85, drop: 0.05 },
      { kind: 'self', layer: 0, head: 1, prob: 0.2, drop: 0.7 },
      { kind: 'cross', layer: 0, head: 0, prob: 0.95, drop: -0.05 },
    ],
  });
  const lines = text.split('\n');
  assert.equal(lines[1], 'Step 1: " x" (id 5), p 0.9000 unablated.');
  assert.deepEqual(
    lines.slice(5, 8).map((l) => l.split(/\s+/)[0]),
    ['L0.H1', 'L0.H0', 'cross'],
  );
  assert.ok(lines.includes('Drop by layer × head (cross attention):'));
});

test('the occlusion report has one row per input token in order; the patching report one row per layer', () => {
  const o = occlusionText({
    kind: 'occlusion',
    id: 'o',
    model: '/m',
    step: 1,
    chosen: { id: 5, text: ' x' },
    prob: 0.5,
    notes: ['a note'],
    tokens: [
      { index: 0, id: 1, text: 'a', prob: 0.4, delta: -0.1 },
      { index: 1, id: 2, text: ' b', prob: 0.6, delta: 0.1 },
    ],
  });
  assert.match(o, /^Note: a note$/m);
  assert.match(o, /^0 {4}"a" +0\.4000 +-0\.1000$/m);
  assert.match(o, /^1 {4}" b" +0\.6000 +0\.1000$/m);
  const p = patchingText({
    kind: 'patching',
    id: 'p',
    model: '/m',
    target: { id: 3, text: ' y' },
    cleanProb: 0.9,
    corruptProb: 0.1,
    cleanTokens: ['a', ' b'],
    corruptTokens: ['a', ' c'],
    layers: [0, 1],
    probs: [
      [0.1, 0.5],
      [0.1, null],
    ],
    recovered: [
      [0, 0.5],
      [0, null],
    ],
  });
  assert.match(p, /^L0 +0\.0% +50\.0%$/m);
  assert.match(p, /^L1 +0\.0% +—$/m);
});
