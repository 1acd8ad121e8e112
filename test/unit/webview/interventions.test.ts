import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reviveInterventions, reviveResult, type PatchingResult, type RankingResult } from '../../../src/protocol/interventions';
import { divergingBytes, largestDrops, patchingGrid, rankingGrids, signed, valueByte } from '../../../webview/interventions/model';
import { readState } from '../../../webview/interventions/state';

/** A ranking of the core's shape: 2 self layers × 2 heads and one cross layer with 3 heads. */
const ranking = (): RankingResult => ({
  kind: 'ranking',
  id: 'r1',
  model: '/m',
  step: 0,
  chosen: { id: 7, text: ' x' },
  prob: 0.9,
  heads: [
    { kind: 'self', layer: 0, head: 0, prob: 0.8, drop: 0.1 },
    { kind: 'self', layer: 0, head: 1, prob: 0.95, drop: -0.05 },
    { kind: 'self', layer: 1, head: 0, prob: 0.5, drop: 0.4 },
    { kind: 'self', layer: 1, head: 1, prob: 0.9, drop: 0 },
    { kind: 'cross', layer: 0, head: 2, prob: 0.6, drop: 0.3 },
  ],
});

const patching = (): PatchingResult => ({
  kind: 'patching',
  id: 'p1',
  model: '/m',
  target: { id: 3, text: ' y' },
  cleanProb: 0.9,
  corruptProb: 0.1,
  cleanTokens: ['a', ' b'],
  corruptTokens: ['a', ' c'],
  layers: [0, 1],
  probs: [
    [0.1, 0.5],
    [0.1, 0.9],
  ],
  recovered: [
    [0, 0.5],
    [0, 1],
  ],
});

test('the ranking becomes one layer × head grid per kind, heads a layer lacks left empty', () => {
  const [self, cross] = rankingGrids(ranking());
  assert.deepEqual([self.kind, self.layers, self.rows, self.cols], ['self', [0, 1], 2, 2]);
  assert.deepEqual(self.values, [0.1, -0.05, 0.4, 0]);
  assert.deepEqual([cross.kind, cross.layers, cross.cols], ['cross', [0], 3]);
  assert.deepEqual(cross.values, [null, null, 0.3]);
});

test('the largest drops come first, over every kind', () => {
  assert.deepEqual(
    largestDrops(ranking(), 3).map((h) => `${h.kind}${h.layer}.${h.head}`),
    ['self1.0', 'cross0.2', 'self0.0'],
  );
});

test('signed values map onto a diverging byte scale centred on 128; missing cells are flagged', () => {
  assert.equal(valueByte(0, 1), 128);
  assert.equal(valueByte(1, 1), 255);
  assert.equal(valueByte(-1, 1), 1);
  assert.equal(valueByte(5, 1), 255, 'clamped');
  assert.equal(valueByte(0.3, 0), 128, 'a zero scale draws everything as 0');
  const { bytes, missing } = divergingBytes([null, 0.5, -0.5], 1);
  assert.deepEqual([...missing], [1, 0, 0]);
  assert.deepEqual([...bytes], [128, 192, 65]);
  assert.equal(signed(0.01234), '+0.0123');
  assert.equal(signed(-0.004), '−0.0040');
});

test('the patching sweep is a layer × position grid of the recovered fraction', () => {
  assert.deepEqual(patchingGrid(patching()), { rows: 2, cols: 2, values: [0, 0.5, 0, 1] });
});

test('saved results come back only when well formed', () => {
  assert.ok(reviveResult(ranking()));
  assert.ok(reviveResult(patching()));
  assert.equal(reviveResult({ ...ranking(), heads: [{ kind: 'self', layer: 0, head: -1, prob: 0, drop: 0 }] }), undefined);
  assert.equal(reviveResult({ ...patching(), recovered: [[0, 0.5]] }), undefined, 'a grid of the wrong shape');
  assert.equal(reviveResult({ ...patching(), kind: 'other' }), undefined);
  const open = reviveInterventions({ ranking: ranking(), patching: { broken: true }, latest: 'patching' });
  assert.deepEqual(Object.keys(open ?? {}).sort(), ['latest', 'ranking']);
  assert.equal(open?.latest, 'ranking', 'the latest falls back to a kind that survived');
  assert.equal(reviveInterventions({}), undefined);
  const state = readState({
    open: { ranking: ranking(), latest: 'ranking' },
    rankKind: 'cross',
    rankCell: { r: 1, c: -2 },
    patchCell: { r: 0, c: 1 },
  });
  assert.deepEqual([state.rankKind, state.rankCell, state.patchCell], ['cross', { r: 0, c: 0 }, { r: 0, c: 1 }]);
  assert.equal(state.open?.ranking?.id, 'r1');
  assert.deepEqual(readState('junk').rankCell, { r: 0, c: 0 });
});
