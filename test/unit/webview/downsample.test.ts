import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binRange, maskedBlocks, maxPool, pooledSize } from '../../../src/panelData/downsample';

test('pooledSize keeps the aspect ratio, never upscales, never reaches 0', () => {
  assert.deepEqual(pooledSize(256, 256, 64), { rows: 64, cols: 64 });
  assert.deepEqual(pooledSize(10, 300, 64), { rows: 2, cols: 64 });
  assert.deepEqual(pooledSize(5, 7, 64), { rows: 5, cols: 7 });
  assert.deepEqual(pooledSize(1, 1000, 10), { rows: 1, cols: 10 });
});

test('binRange covers every source cell exactly once, in order', () => {
  for (const [n, total] of [
    [64, 256],
    [7, 10],
    [10, 10],
    [3, 1000],
    [64, 100],
  ]) {
    let next = 0;
    for (let i = 0; i < n; i++) {
      const [a, b] = binRange(i, n, total);
      assert.equal(a, next);
      assert.ok(b > a, `empty bin ${i} of ${n} over ${total}`);
      next = b;
    }
    assert.equal(next, total);
  }
});

test('maxPool keeps the largest value of each block (a diagonal stays a diagonal)', () => {
  const eye = new Float32Array(16);
  for (let i = 0; i < 4; i++) eye[i * 4 + i] = 1;
  const out = new Float32Array(4);
  maxPool(eye, 0, 4, 4, out, 0, 2, 2);
  assert.deepEqual([...out], [1, 0, 0, 1]);
  // Reads at an offset and writes at an offset, mapping values.
  const src = new Float32Array([9, 9, 0.1, 0.2, 0.3, 0.4]);
  const bytes = new Uint8Array(3);
  maxPool(src, 2, 2, 2, bytes, 2, 1, 1, (v) => Math.round(v * 100));
  assert.deepEqual([...bytes], [0, 0, 40]);
});

test('maxPool: the global maximum survives any shrink', () => {
  const rows = 37;
  const cols = 53;
  const src = new Float32Array(rows * cols).map((_, i) => Math.abs(Math.sin(i * 12.9898)) * 0.5);
  src[17 * cols + 41] = 0.93;
  const out = new Float32Array(5 * 8);
  maxPool(src, 0, rows, cols, out, 0, 5, 8);
  assert.equal(Math.max(...out), Math.fround(0.93));
});

test('maskedBlocks marks a block only when all of it is hidden (causal 4×4 → 2×2)', () => {
  const visible = new Uint8Array(16);
  for (let q = 0; q < 4; q++) for (let k = 0; k <= q; k++) visible[q * 4 + k] = 1;
  assert.deepEqual([...maskedBlocks(visible, 4, 4, 2, 2)], [0, 1, 0, 0]);
  assert.deepEqual([...maskedBlocks(new Uint8Array(4), 2, 2, 1, 1)], [1]);
});
