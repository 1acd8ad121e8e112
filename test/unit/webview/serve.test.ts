import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataHandlers, PanelDataService } from '../../../src/panelData/serve';
import { RemoteError } from '../../../src/protocol/rpc';
import { entropyBits } from '../../../src/panelData/stats';
import { causal, decoderOnlyData } from './build';

const T = 5;
const id = 't-test';
const ownsBuffer = (a: ArrayBufferView) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;

test("matrix: one head is that head's [query][key] slice, in a buffer of its own (a view would post the whole trace)", () => {
  const s = new PanelDataService(decoderOnlyData());
  const m = s.matrix({ traceId: id, layer: 1, kind: 'self', head: 1 });
  assert.equal(m.queries, T);
  assert.equal(m.keys, T);
  assert.deepEqual([...m.data], [...causal(1, 2, T).data.subarray(T * T, 2 * T * T)]);
  assert.ok(ownsBuffer(m.data) && m.visible && ownsBuffer(m.visible));
  assert.deepEqual([...m.visible.subarray(0, T)], [1, 0, 0, 0, 0]);
});

test('matrix: the head mean averages the heads; every row still sums to 1', () => {
  const s = new PanelDataService(decoderOnlyData());
  const m = s.matrix({ traceId: id, layer: 0, kind: 'self', head: 'mean' });
  const a = causal(0, 2, T).data;
  for (let i = 0; i < T * T; i++) assert.ok(Math.abs(m.data[i] - (a[i] + a[T * T + i]) / 2) < 1e-7);
  for (let q = 0; q < T; q++) assert.ok(Math.abs(m.data.subarray(q * T, (q + 1) * T).reduce((x, y) => x + y, 0) - 1) < 1e-6);
  assert.ok(ownsBuffer(m.data));
});

test('matrix: an unknown head, layer or kind is a bad-input error reply', () => {
  const s = new PanelDataService(decoderOnlyData());
  for (const p of [
    { layer: 0, head: 5 },
    { layer: 9, head: 0 },
    { layer: 0, head: -1 },
  ]) {
    assert.throws(
      () => s.matrix({ traceId: id, kind: 'self', ...p }),
      (e: unknown) => e instanceof RemoteError && e.payload.code === 'bad-input',
    );
  }
  assert.throws(() => s.matrix({ traceId: id, layer: 0, kind: 'cross', head: 0 }), RemoteError);
});

test('a head-averaged layer serves its one stored matrix for any head', () => {
  const data = decoderOnlyData();
  const avg = causal(0, 1, T);
  data.attention[0] = { ...avg, headAveraged: true };
  const s = new PanelDataService(data);
  assert.deepEqual([...s.matrix({ traceId: id, layer: 0, kind: 'self', head: 1 }).data], [...avg.data]);
  const thumbs = s.thumbnails({ traceId: id, kind: 'self', size: 64 });
  assert.deepEqual([...thumbs.headsPerLayer], [1, 2]);
});

test('thumbnails: layers × heads × √p bytes, never larger than the matrix, masked blocks per layer', () => {
  const s = new PanelDataService(decoderOnlyData());
  const t = s.thumbnails({ traceId: id, kind: 'self', size: 64 });
  assert.deepEqual(t.layers, [0, 1]);
  assert.equal(t.heads, 2);
  assert.deepEqual([t.rows, t.cols], [T, T]);
  assert.equal(t.data.length, 2 * 2 * T * T);
  assert.equal(t.data[0], 255); // row 0 puts all weight on key 0
  assert.equal(t.data[1], 0);
  assert.equal(t.masked[1], 1); // query 0 cannot see key 1
  assert.equal(t.masked[0], 0);
  const small = s.thumbnails({ traceId: id, kind: 'self', size: 2 });
  assert.deepEqual([small.rows, small.cols], [2, 2]);
  // A second answer is a fresh copy: posting one must not empty the cache.
  const again = s.thumbnails({ traceId: id, kind: 'self', size: 64 });
  assert.notEqual(again.data.buffer, t.data.buffer);
});

test("acrossLayers: the query's row in every layer; entropy per layer and head, with the visible-key maximum", () => {
  const data = decoderOnlyData();
  const s = new PanelDataService(data);
  const r = s.acrossLayers({ traceId: id, kind: 'self', query: 2, head: 0 });
  assert.deepEqual(r.layers, [0, 1]);
  assert.deepEqual([...r.data.subarray(0, T)], [...data.attention[0].data.subarray(2 * T, 3 * T)]);
  const e = s.entropy({ traceId: id, kind: 'self', query: 2 });
  assert.equal(e.heads, 2);
  assert.ok(Math.abs(e.data[1] - entropyBits(data.attention[0].data.subarray(T * T + 2 * T, T * T + 3 * T))) < 1e-6); // stored as float32
  assert.ok(Math.abs(e.maxBits - Math.log2(3)) < 1e-12); // query 2 sees keys 0, 1, 2
  for (const v of e.data) assert.ok(v <= e.maxBits + 1e-9);
  assert.throws(() => s.acrossLayers({ traceId: id, kind: 'self', query: T, head: 0 }), RemoteError);
});

test('topK and the handlers route by trace id', async () => {
  const s = new PanelDataService(decoderOnlyData());
  assert.equal(s.topK({ step: 1 }).chosen.text, 'y');
  assert.throws(() => s.topK({ step: 2 }), RemoteError);
  const handlers = dataHandlers((traceId) => (traceId === id ? s : undefined));
  const ctx = { signal: new AbortController().signal, progress: () => undefined };
  assert.equal((await handlers.topK({ traceId: id, step: 0 }, ctx)).top.length, 2);
  await assert.rejects(async () => handlers.topK({ traceId: 'other', step: 0 }, ctx), /no longer loaded/);
});
