import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildLut, byteToProb, flatten, mix, parseColor, probToByte } from '../../../src/panelData/colorScale';

test('parseColor reads the forms theme variables and computed styles use', () => {
  assert.deepEqual(parseColor('#abc'), [0xaa, 0xbb, 0xcc, 255]);
  assert.deepEqual(parseColor(' #1E1E1E '), [30, 30, 30, 255]);
  assert.deepEqual(parseColor('#11223380'), [0x11, 0x22, 0x33, 0x80]);
  assert.deepEqual(parseColor('rgb(1, 2, 3)'), [1, 2, 3, 255]);
  assert.deepEqual(parseColor('rgba(10, 20, 30, 0.5)'), [10, 20, 30, 128]);
  assert.deepEqual(parseColor('rgb(10 20 30 / 50%)'), [10, 20, 30, 128]);
  assert.deepEqual(parseColor('not a colour', [9, 9, 9, 9]), [9, 9, 9, 9]);
  assert.deepEqual(parseColor('#12345', [1, 1, 1, 1]), [1, 1, 1, 1]);
});

test('flatten composites over the background; mix interpolates', () => {
  assert.deepEqual(flatten([255, 255, 255, 128], [0, 0, 0, 255]), [128, 128, 128, 255]);
  assert.deepEqual(flatten([10, 20, 30, 255], [0, 0, 0, 255]), [10, 20, 30, 255]);
  assert.deepEqual(mix([0, 0, 0, 255], [200, 100, 50, 255], 0.5), [100, 50, 25, 255]);
});

test('probToByte stores √p: the ends, 1/256 → 16, junk → 0, and it is monotonic', () => {
  assert.equal(probToByte(0), 0);
  assert.equal(probToByte(1), 255);
  assert.equal(probToByte(1 / 256), 16); // √(1/256) = 1/16; 255/16 = 15.9
  assert.equal(probToByte(0.25), 128); // √0.25 = 0.5 → 127.5 → 128
  for (const junk of [NaN, -0.5, -Infinity]) assert.equal(probToByte(junk), 0);
  assert.equal(probToByte(Infinity), 255);
  let last = -1;
  for (let i = 0; i <= 1000; i++) {
    const b = probToByte(i / 1000);
    assert.ok(b >= last);
    last = b;
  }
});

test('byteToProb inverts probToByte to within half a bin', () => {
  for (const p of [0.001, 0.01, 0.1, 0.3, 0.77, 0.999]) {
    const b = probToByte(p);
    const lo = byteToProb(Math.max(0, b - 0.5));
    const hi = byteToProb(Math.min(255, b + 0.5));
    assert.ok(p >= lo - 1e-12 && p <= hi + 1e-12, `${p} not in [${lo}, ${hi}]`);
  }
});

test('buildLut: byte 0 is the first stop, 255 the last; sqrt places bytes linearly, linear by p', () => {
  const black: [number, number, number, number] = [0, 0, 0, 255];
  const white: [number, number, number, number] = [255, 255, 255, 255];
  const sqrt = buildLut([black, white], 'sqrt');
  const linear = buildLut([black, white], 'linear');
  assert.deepEqual([...sqrt.subarray(0, 4)], black);
  assert.deepEqual([...sqrt.subarray(255 * 4, 256 * 4)], white);
  assert.deepEqual([...linear.subarray(255 * 4, 256 * 4)], white);
  // Byte 128 holds p ≈ 0.252: halfway on the √ scale, a quarter of the way on the linear one.
  assert.equal(sqrt[128 * 4], Math.round((128 / 255) * 255));
  assert.equal(linear[128 * 4], Math.round((128 / 255) ** 2 * 255));
  // Three stops: the middle stop sits at the middle of the ramp.
  const three = buildLut([black, [255, 0, 0, 255], white], 'sqrt');
  assert.deepEqual(
    [...three.subarray(128 * 4, 128 * 4 + 3)].map((v) => Math.round(v / 10)),
    [26, 0, 0],
  );
});
