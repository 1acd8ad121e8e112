import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBase64, toBase64 } from '../../../src/panelData/base64';
import { pack, unpack } from '../../../src/core/packed';

test('base64 matches the standard vectors and Node', () => {
  const enc = (s: string) => toBase64(new TextEncoder().encode(s));
  assert.equal(enc(''), '');
  assert.equal(enc('M'), 'TQ==');
  assert.equal(enc('Ma'), 'TWE=');
  assert.equal(enc('Man'), 'TWFu');
  for (let n = 0; n < 70; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 13) & 255);
    assert.equal(toBase64(bytes), Buffer.from(bytes).toString('base64'));
    assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
  }
  // Long enough to cross the encoder's chunks.
  const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 31) & 255);
  assert.equal(toBase64(big), Buffer.from(big).toString('base64'));
  assert.deepEqual(fromBase64(`${toBase64(big).slice(0, 40)}\n${toBase64(big).slice(40)}`), big);
});

test('fromBase64 refuses characters outside the alphabet', () => {
  assert.throws(() => fromBase64('TW<u'));
  assert.throws(() => fromBase64('TWF'));
});

test('pack/unpack keeps typed arrays (type and values), non-finite numbers and plain JSON', () => {
  const value = {
    name: 'trace </script>',
    probs: new Float32Array([0.5, NaN, 0.25]),
    mask: new Uint8Array([1, 0, 1]),
    ids: new Int32Array([-1, 7]),
    nested: [{ data: new Float32Array([1, 2]) }],
    inf: -Infinity,
    nan: NaN,
  };
  const back = unpack<typeof value>(pack(value));
  assert.ok(back.probs instanceof Float32Array && back.mask instanceof Uint8Array && back.ids instanceof Int32Array);
  assert.deepEqual([...back.probs].map(String), ['0.5', 'NaN', '0.25']);
  assert.deepEqual([...back.mask], [1, 0, 1]);
  assert.deepEqual([...back.ids], [-1, 7]);
  assert.deepEqual([...back.nested[0].data], [1, 2]);
  assert.equal(back.name, value.name);
  assert.equal(back.inf, -Infinity);
  assert.ok(Number.isNaN(back.nan));
  // A subarray packs only its own elements.
  const view = new Float32Array([1, 2, 3, 4]).subarray(1, 3);
  assert.deepEqual([...unpack<{ v: Float32Array }>(pack({ v: view })).v], [2, 3]);
});

test('unpack refuses truncated data', () => {
  const bytes = pack({ a: new Float32Array(16) });
  assert.throws(() => unpack(bytes.subarray(0, bytes.length - 8)), /truncated/);
});
