import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PanelCaptureInfo } from '../../../src/protocol/panel';
import {
  applyFocus,
  defaultState,
  freshState,
  headChoices,
  kindsOf,
  moveHead,
  moveLayer,
  readState,
  reconcile,
} from '../../../webview/panel/state';
import { decoderOnlyMeta } from './build';

const cap = (layer: number, kind: PanelCaptureInfo['kind'], heads = 2, headAveraged = false): PanelCaptureInfo => ({
  layer,
  kind,
  heads,
  headAveraged,
  queries: 5,
  keys: 5,
  masked: false,
});
const meta = decoderOnlyMeta(['a', 'b', 'c', 'd'], ['x', 'y'], [cap(0, 'self'), cap(1, 'self'), cap(2, 'self', 1, true)]);

test('readState keeps only well-formed fields of whatever getState returned', () => {
  assert.deepEqual(readState(undefined), defaultState());
  assert.deepEqual(readState('junk'), defaultState());
  const s = readState({ kind: 'cross', layer: 3, head: 1, query: 7, encoderQuery: -2, scale: 'linear', traceId: 5, focusSeq: 2 });
  assert.deepEqual(s, { kind: 'cross', layer: 3, head: 1, query: 7, encoderQuery: 0, scale: 'linear', focusSeq: 2 });
  assert.equal(readState({ head: 'mean' }).head, 'mean');
  assert.equal(readState({ kind: 'evil' }).kind, 'self');
});

test('reconcile picks a kind, layer and head the trace has, and clamps queries', () => {
  const s = reconcile({ ...defaultState(), kind: 'cross', layer: 9, head: 7, query: 99 }, meta);
  assert.equal(s.kind, 'self');
  assert.equal(s.layer, 0);
  assert.equal(s.head, 0);
  assert.equal(s.query, meta.positions.length - 1);
  assert.equal(s.traceId, 't-test');
  assert.deepEqual(kindsOf(meta), ['self']);
});

test('head choices: each head then the mean; only the mean for an averaged layer', () => {
  assert.deepEqual(headChoices(cap(0, 'self', 3)), [0, 1, 2, 'mean']);
  assert.deepEqual(headChoices(cap(0, 'self', 1, true)), ['mean']);
  assert.equal(reconcile({ ...defaultState(), layer: 2, head: 1 }, meta).head, 'mean');
});

test('moving through layers and heads stops at the ends', () => {
  let s = reconcile({ ...defaultState(), layer: 0, head: 0 }, meta);
  s = moveLayer(s, meta, -1);
  assert.equal(s.layer, 0);
  s = moveLayer(moveLayer(moveLayer(s, meta, 1), meta, 1), meta, 1);
  assert.equal(s.layer, 2);
  s = reconcile({ ...defaultState(), layer: 1, head: 1 }, meta);
  assert.equal(moveHead(s, meta, 1).head, 'mean');
  assert.equal(moveHead(moveHead(s, meta, 1), meta, 1).head, 'mean');
  assert.equal(moveHead(s, meta, -5).head, 0);
});

test('a fresh trace starts at the query that predicted the first generated token; a focus applies once', () => {
  const fresh = freshState(meta, { ...defaultState(), scale: 'linear' });
  assert.equal(fresh.query, 3);
  assert.equal(fresh.scale, 'linear');
  const focused = applyFocus(fresh, { position: 1, layer: 1, head: 0 }, meta, 4);
  assert.deepEqual([focused.query, focused.layer, focused.head, focused.focusSeq], [1, 1, 0, 4]);
});
