import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompareReport } from '../../../src/core/compare';
import { reviveCompareOpen, reviveCompareReport } from '../../../src/panelData/compareReport';
import { describeCell, formatBits, jsdByte, kindGrids, maxJsd, probabilitySeries } from '../../../webview/compare/model';
import { moveCell, readState, reconcile } from '../../../webview/compare/state';

/** A small report of the core's shape: two self layers (one compared head-averaged) and one cross layer. */
function report(): CompareReport {
  return {
    format: 'decoder-lens-compare',
    version: 1,
    a: { label: '/m/a', model: '/m/a', generatedText: ' x y', steps: 2 },
    b: { label: '/m/b', model: '/m/b', generatedText: ' x z', steps: 2 },
    vocabulary: {
      same: true,
      sizeA: 10,
      sizeB: 10,
      moved: 0,
      onlyA: 0,
      onlyB: 0,
      examples: [],
      note: 'Same vocabulary (10 tokens): token ids compare directly.',
    },
    commonPositions: 4,
    sameInput: true,
    firstDifferingStep: 1,
    steps: [
      {
        step: 0,
        sameContext: true,
        a: { id: 1, text: ' x', prob: 0.9 },
        b: { id: 1, text: ' x', prob: 0.8 },
        bOfA: 0.8,
        delta: -0.1,
        topOverlap: 3,
      },
      {
        step: 1,
        sameContext: true,
        a: { id: 2, text: ' y', prob: 0.6 },
        b: { id: 3, text: ' z', prob: 0.7 },
        bOfA: null,
        delta: null,
        topOverlap: 2,
      },
    ],
    attention: [
      { layer: 1, kind: 'self', heads: [0.5], maxRow: [0.9], mean: 0.5, rows: 4 },
      { layer: 0, kind: 'self', heads: [0, 0.25, NaN], maxRow: [0, 0.5, 0], mean: NaN, rows: 4 },
      { layer: 0, kind: 'cross', heads: [0.125, 0.0625], maxRow: [0.2, 0.1], mean: 0.09375, rows: 3 },
    ],
    lens: { layers: [0, 1], positions: [3], meanAbsDelta: [0.2, NaN] },
    notes: ['layer 1 self: 3 vs 1 heads stored, compared head-averaged'],
    summary: 'Generations part at step 1.',
  };
}

test('the core’s report is the view’s report; a JSON round trip (NaN → null) revives to the same', () => {
  const r: CompareReport = report();
  const revived = reviveCompareReport(JSON.parse(JSON.stringify(r)));
  assert.deepEqual(revived, r);
  assert.ok(Number.isNaN(revived!.attention[1].heads[2]) && Number.isNaN(revived!.lens!.meanAbsDelta[1]));
  const open = reviveCompareOpen(
    JSON.parse(JSON.stringify({ compareId: 'c-1', report: r, traces: { a: 't-abc-0123abcd', b: '../../etc/passwd' } })),
  );
  assert.deepEqual(open?.traces, { a: 't-abc-0123abcd', b: null }, 'only well-formed trace ids are kept');
});

test('anything else is not a report', () => {
  for (const bad of [
    null,
    'x',
    {},
    { ...report(), format: 'other' },
    { ...report(), steps: [{ step: 'one' }] },
    { ...report(), attention: [{ layer: 0, kind: 'evil', heads: [], maxRow: [], mean: 0, rows: 0 }] },
    { ...report(), summary: 3 },
  ]) {
    assert.equal(reviveCompareReport(bad), undefined, JSON.stringify(bad)?.slice(0, 80));
  }
  assert.equal(reviveCompareOpen({ compareId: 'c', report: {} }), undefined);
});

test('one grid per kind, layers ascending; a head-averaged layer fills one column, the rest are not compared', () => {
  const grids = kindGrids(report());
  assert.deepEqual(
    grids.map((g) => [g.kind, g.layers, g.heads]),
    [
      ['self', [0, 1], 3],
      ['cross', [0], 2],
    ],
  );
  const self = grids[0];
  assert.deepEqual(Array.from(self.mean), [0, 0.25, NaN, 0.5, NaN, NaN]);
  assert.deepEqual(self.stored, [3, 1]);
  assert.equal(maxJsd(grids), 0.5);
  assert.match(describeCell(self, 0, 1), /^Layer 0 · head 1 · self-attention: mean JSD 0\.25 bits · max row 0\.5 bits · 4 rows compared$/);
  assert.match(describeCell(self, 0, 2), /not compared \(no query row/);
  assert.match(describeCell(self, 1, 0), /^Layer 1 · heads averaged · self-attention: mean JSD 0\.5 bits/);
  assert.match(describeCell(self, 1, 2), /compared head-averaged/);
});

test('colour bytes run linearly from 0 to the largest divergence; zero and NaN are the zero colour', () => {
  assert.equal(jsdByte(0, 0.5), 0);
  assert.equal(jsdByte(NaN, 0.5), 0);
  assert.equal(jsdByte(0.5, 0.5), 255);
  assert.equal(jsdByte(0.25, 0.5), 128);
  assert.equal(jsdByte(1e-9, 0.5), 1, 'any divergence is distinguishable from none');
  assert.equal(jsdByte(0.1, 0), 0);
  assert.deepEqual([formatBits(0), formatBits(0.012345), formatBits(NaN)], ['0', '0.0123', '–']);
});

test('probability series leave B out where the contexts differ', () => {
  const r = report();
  r.steps[1].sameContext = false;
  const s = probabilitySeries(r);
  assert.deepEqual(s, { steps: [0, 1], aProb: [0.9, 0.6], bOfA: [0.8, null], delta: [-0.1, null], omitted: [1] });
});

test('the view’s state: read defensively, kept valid for the grids, arrows stop at the edges', () => {
  const grids = kindGrids(report());
  assert.deepEqual(readState({ kind: 'evil', layer: 'x', head: -1, open: { compareId: 'c' } }), { kind: 'self', layer: 0, head: 0 });
  const s = reconcile({ kind: 'encoder', layer: 7, head: 9 }, grids);
  assert.deepEqual(s, { kind: 'self', layer: 0, head: 2 });
  assert.deepEqual(moveCell(s, grids[0], 5, 5), { kind: 'self', layer: 1, head: 2 });
  assert.deepEqual(moveCell(s, grids[0], -1, -5), { kind: 'self', layer: 0, head: 0 });
  const open = { compareId: 'c-2', report: report(), traces: { a: null, b: null } };
  assert.equal(readState(JSON.parse(JSON.stringify({ kind: 'cross', layer: 0, head: 1, open }))).open?.compareId, 'c-2');
});
