import assert from 'node:assert/strict';
import { test } from 'node:test';
import { halfToFloat } from '../../../src/core/float16';

test('float16 bit patterns decode to their IEEE values', () => {
  const cases: [number, number][] = [
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x7bff, 65504],
    [0xfbff, -65504],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ];
  const decoded = halfToFloat(Uint16Array.from(cases.map(([h]) => h)));
  cases.forEach(([h, v], i) => assert.equal(decoded[i], v, `0x${h.toString(16)}`));
  assert.ok(Object.is(halfToFloat(Uint16Array.of(0x8000))[0], -0));
  assert.ok(Number.isNaN(halfToFloat(Uint16Array.of(0x7e00))[0]));
});
