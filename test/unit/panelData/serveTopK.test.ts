/**
 * A sparse (top-k) capture's head crosses to the panel as its own rows — each row's k values, keys and rest mass —
 * and the panel expands it to exactly the dense head the core reads (attentionHead), keys outside the top k at 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attentionHead, attentionHeadMean } from '../../../src/core/trace/attention';
import type { AttentionCapture } from '../../../src/core/trace/types';
import { expandMatrix } from '../../../src/panelData/expandMatrix';
import { toPanelData } from '../../../src/panelData/fromTrace';
import { dataHandlers, PanelDataService } from '../../../src/panelData/serve';
import { syntheticPanelTrace } from './syntheticTrace';

const T = 50;
const HEADS = 3;
const K = 4;
// float16 bit patterns of 0.5, 0.25, 0.125 and 0.0625: each row's kept values, largest first.
const HALVES = [0x3800, 0x3400, 0x3000, 0x2c00];

function sparseCapture(): AttentionCapture {
  const rows = HEADS * T;
  const values = new Uint16Array(rows * K);
  const indices = new Int32Array(rows * K).fill(-1);
  const rest = new Float32Array(rows);
  for (let h = 0; h < HEADS; h++)
    for (let q = 0; q < T; q++) {
      const row = h * T + q;
      // Query q sees keys 0…q: its top keys are q, 0, then two more where it has them (−1 past its keys).
      const keys = [...new Set([q, 0, Math.max(0, q - 1 - h), Math.floor(q / 2)])].slice(0, Math.min(K, q + 1));
      keys.forEach((key, j) => {
        indices[row * K + j] = key;
        values[row * K + j] = HALVES[j];
      });
      rest[row] = 1 - keys.reduce((s, _, j) => s + 0.5 ** (j + 1), 0);
    }
  return {
    layer: 0,
    kind: 'self',
    heads: HEADS,
    headAveraged: false,
    queries: T,
    keys: T,
    data: new Float32Array(0),
    topK: { k: K, values: new Uint8Array(values.buffer), indices, rest, maxRelativeError: 4.9e-4 },
  };
}

test('a top-k head crosses as its rows (k values, keys and the rest per row) and expands to the dense head', async () => {
  const trace = syntheticPanelTrace({ layers: 1, heads: HEADS, tokens: T, bits: 0, seed: 5, generated: 3 });
  const capture = sparseCapture();
  trace.attention = [capture];
  // The mask as a long capture keeps it beside top-k rows: each query's band of attended keys (causal: 0…q).
  const causal = trace.masks[0].visible;
  const band = (f: (q: number) => number) => Int32Array.from({ length: T }, (_, q) => f(q));
  trace.masks = [
    {
      ...trace.masks[0],
      visible: new Uint8Array(0),
      bands: { first: band(() => 0), last: band((q) => q), count: band((q) => q + 1) },
    },
  ];
  const direct = new PanelDataService(toPanelData(trace, 't'));
  const handlers = dataHandlers(() => new PanelDataService(toPanelData(trace, 't')));
  const context = { signal: new AbortController().signal, progress: () => undefined };
  for (const head of [0, 1, 2] as const) {
    const sent = await handlers.matrix({ traceId: 't', kind: 'self', layer: 0, head }, context);
    assert.equal(sent.data.length, 0);
    // The banded mask crosses as its bands (12 bytes a row), not as T × T cells.
    assert.equal(sent.visible, undefined);
    assert.equal(sent.visibleBands?.count.length, T);
    assert.deepEqual([sent.topK?.indices.length, sent.topK?.values.length, sent.topK?.rest.length], [T * K, 2 * T * K, T]);
    assert.deepEqual(Array.from(sent.topK!.indices.subarray(7 * K, 8 * K)), [7, 0, Math.max(0, 6 - head), 3]);
    const got = expandMatrix(sent);
    const dense = attentionHead(capture, head);
    assert.deepEqual(got.data, dense, `head ${head}`);
    assert.deepEqual(got.visible, causal, 'the expanded mask is the causal one');
    assert.deepEqual(got, direct.matrix({ traceId: 't', kind: 'self', layer: 0, head }));
    // Row 7 of the head: 0.5 on key 7, 0.25 on key 0, then the next two kept keys; every other key 0.
    assert.equal(got.data[7 * T + 7], 0.5);
    assert.equal(got.data[7 * T + 0], 0.25);
    assert.equal(got.data[7 * T + 40], 0);
  }
  const mean = await handlers.matrix({ traceId: 't', kind: 'self', layer: 0, head: 'mean' }, context);
  assert.equal(mean.topK, undefined);
  assert.deepEqual(mean.data, attentionHeadMean(capture));
});

test('rows that do not match the matrix size are refused, not drawn shifted', () => {
  const capture = sparseCapture();
  const t = capture.topK!;
  assert.throws(
    () => expandMatrix({ queries: T, keys: T, data: new Float32Array(0), topK: { ...t, rest: t.rest.subarray(0, T - 1) } }),
    /top 4 keys per row does not match/,
  );
  assert.throws(
    () => expandMatrix({ queries: T, keys: T, data: new Float32Array(0), codes: { bits: 8, bytes: new Uint8Array(T * T - 1) } }),
    /needs 2500 bytes of 8-bit codes, not 2499/,
  );
});
