import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entropyBits, meanOfStack, surprisalBits, topIndices } from '../../../src/panelData/stats';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test('entropy: uniform over n keys is log2 n, one-hot is 0', () => {
  for (const n of [1, 2, 5, 8, 256]) close(entropyBits(new Float32Array(n).fill(1 / n)), Math.log2(n), 1e-5);
  close(entropyBits([0, 0, 1, 0]), 0);
  close(entropyBits([0.5, 0.25, 0.25]), 1.5);
});

test('entropy skips masked keys and renormalises; an empty row is NaN', () => {
  close(entropyBits([0.5, 0.5, 0.3, 0.3], [1, 1, 0, 0]), 1);
  close(entropyBits([0.25, 0.25]), 1);
  assert.ok(Number.isNaN(entropyBits([])));
  assert.ok(Number.isNaN(entropyBits([0, 0])));
  assert.ok(Number.isNaN(entropyBits([0.5, 0.5], [0, 0])));
});

test('meanOfStack averages over the first axis', () => {
  assert.deepEqual([...meanOfStack(new Float32Array([1, 2, 3, 3, 4, 5]), 2, 3)], [2, 3, 4]);
  assert.deepEqual([...meanOfStack(new Float32Array(0), 0, 2)], [0, 0]);
});

test('topIndices: largest first, ties by index, NaN ignored', () => {
  assert.deepEqual(topIndices([0.1, 0.5, NaN, 0.5, 0.2], 3), [1, 3, 4]);
  assert.deepEqual(topIndices([1, 2], 5), [1, 0]);
  assert.deepEqual(topIndices([1, 2], 0), []);
});

test('surprisal in bits', () => {
  close(surprisalBits(0.5), 1);
  close(surprisalBits(1 / 1024), 10);
  close(surprisalBits(1), 0);
  assert.ok(Number.isNaN(surprisalBits(0)));
  assert.ok(Number.isNaN(surprisalBits(NaN)));
});
