/**
 * A head or row of 8-bit codes is decoded through a 256-entry table when it is long; every value must still be
 * exactly the float32 of what the per-value formula (attentionAt: code × scale, squared for √p codes) gives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attentionAt, attentionHead, attentionQueryRow } from '../../../src/core/trace/attention';
import type { AttentionCapture } from '../../../src/core/trace/types';

for (const coding of [undefined, 'sqrt'] as const) {
  test(`8-bit ${coding ?? 'linear'} codes: a long head decodes to exactly the per-value formula, every code`, () => {
    const n = 90; // 8,100 cells: past the table's threshold; every code 0…255 appears many times
    const codes = new Uint8Array(2 * n * n);
    for (let i = 0; i < codes.length; i++) codes[i] = (i * 37) % 256;
    const capture: AttentionCapture = {
      layer: 0,
      kind: 'self',
      heads: 2,
      headAveraged: false,
      queries: n,
      keys: n,
      data: new Float32Array(0),
      quantized: { bits: 8, codes, maxError: 0, ...(coding ? { coding } : {}) },
    };
    for (const h of [0, 1]) {
      const head = attentionHead(capture, h);
      for (let q = 0; q < n; q++) for (let k = 0; k < n; k++) assert.equal(head[q * n + k], Math.fround(attentionAt(capture, h, q, k)));
      // A row is short (no table): the same values.
      assert.deepEqual(attentionQueryRow(capture, h, 7), head.subarray(7 * n, 8 * n));
    }
    assert.equal(attentionHead(capture, 0)[1], Math.fround(coding ? ((37 / 255) * 37) / 255 : 37 / 255));
  });
}
