import assert from 'node:assert/strict';
import { test } from 'node:test';
import { poolRegion } from '../../../webview/shared/poolRegion';

/** Block maxima by the definition: every cell of each block, visible cells only, −1 for an all-masked block. */
function naive(
  values: Float32Array,
  cols: number,
  r0: number,
  c0: number,
  nr: number,
  nc: number,
  outR: number,
  outC: number,
  visible?: Uint8Array,
) {
  const out: number[] = [];
  for (let r = 0; r < outR; r++)
    for (let c = 0; c < outC; c++) {
      let max = -1;
      for (let y = r0 + Math.floor((r * nr) / outR); y < r0 + Math.floor(((r + 1) * nr) / outR); y++)
        for (let x = c0 + Math.floor((c * nc) / outC); x < c0 + Math.floor(((c + 1) * nc) / outC); x++)
          if (!visible || visible[y * cols + x]) max = Math.max(max, values[y * cols + x]);
      out.push(max);
    }
  return out;
}

function causal(T: number, seed = 1) {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const values = new Float32Array(T * T);
  const visible = new Uint8Array(T * T);
  for (let q = 0; q < T; q++)
    for (let k = 0; k <= q; k++) {
      visible[q * T + k] = 1;
      values[q * T + k] = rand() ** 4;
    }
  return { values, visible };
}

test('poolRegion takes each block’s max over its visible cells; a wholly masked block is −1 (uneven blocks too)', () => {
  const T = 37;
  const { values, visible } = causal(T);
  for (const [outR, outC] of [
    [5, 7],
    [37, 37],
    [1, 1],
    [12, 20],
  ]) {
    const got = Array.from(poolRegion(values, T, { r0: 0, c0: 0, nr: T, nc: T }, outR, outC, visible));
    assert.deepEqual(
      got,
      naive(values, T, 0, 0, T, T, outR, outC, visible).map((v) => Math.fround(v)),
      `${outR}×${outC}`,
    );
  }
  // A window, pooled, without a mask.
  const got = Array.from(poolRegion(values, T, { r0: 10, c0: 3, nr: 20, nc: 15 }, 6, 4));
  assert.deepEqual(
    got,
    naive(values, T, 10, 3, 20, 15, 6, 4).map((v) => Math.max(0, Math.fround(v))),
  );
});

test('a planted bright cell survives pooling a 4,096 × 4,096 head 8:1, and a leaked value in a masked cell does not brighten its block', () => {
  const T = 4096;
  const values = new Float32Array(T * T).fill(1e-4);
  const visible = new Uint8Array(T * T);
  for (let q = 0; q < T; q++) visible.fill(1, q * T, q * T + q + 1);
  values[3000 * T + 1234] = 0.95;
  // Above the diagonal the model hid the key: whatever value sits there is not what the query saw.
  values[100 * T + 3000] = 0.9;
  const out = poolRegion(values, T, { r0: 0, c0: 0, nr: T, nc: T }, 512, 512, visible);
  assert.equal(out[Math.floor(3000 / 8) * 512 + Math.floor(1234 / 8)], Math.fround(0.95));
  assert.equal(out[Math.floor(3000 / 8) * 512 + Math.floor(1234 / 8) + 1], Math.fround(1e-4));
  assert.equal(out[Math.floor(100 / 8) * 512 + Math.floor(3000 / 8)], -1, 'a wholly masked block');
});
