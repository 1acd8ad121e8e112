import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { booleanMaskVisibility, maskVisibility } from '../../../src/core/onnx';
import { FormatError, Writer, encodeVarint, readField, readVarint } from '../../../src/core/onnx/wire';

describe('wire format', () => {
  it('varints round-trip, including int64 negatives and values past 2^32', () => {
    for (const v of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 3 * 1024 ** 3, 2 ** 52, -1, -2, -300]) {
      const bytes = Uint8Array.from(encodeVarint(v));
      const r = readVarint(bytes, 0, bytes.length, 0);
      assert.equal(r.value, v);
      assert.equal(r.next, bytes.length);
    }
    assert.equal(encodeVarint(-1).length, 10);
  });

  it('bounds: a length past the message, an unfinished varint, a group wire type', () => {
    const len = new Writer().bytes(1, new Uint8Array(10)).finish();
    assert.throws(
      () => readField(len, 0, len.length - 1, 100),
      (e: unknown) => e instanceof FormatError && /declared length 10/.test(e.message) && e.offset === 101,
    );
    assert.throws(() => readVarint(Uint8Array.from([0x80, 0x80]), 0, 2, 0), FormatError);
    assert.throws(() => readVarint(new Uint8Array(11).fill(0x80), 0, 11, 0), /longer than 10 bytes/);
    assert.throws(() => readField(Uint8Array.from([0x0b]), 0, 1, 0), /wire type 3/);
  });
});

describe('mask values', () => {
  it('reads -inf, -1e9, -10000 and float32 min as hidden; 0 and small biases as visible', () => {
    const raw = Float32Array.from([0, -1, -9999, -10000, -1e9, -Infinity, -3.4028234663852886e38, NaN, 2]);
    assert.deepEqual([...maskVisibility(raw)], [1, 1, 1, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual([...maskVisibility(raw, -0.5)], [1, 0, 0, 0, 0, 0, 0, 0, 1]);
  });
  it('boolean masks selected through Where', () => {
    assert.deepEqual([...booleanMaskVisibility([1, 0, 1], true)], [1, 0, 1]);
    assert.deepEqual([...booleanMaskVisibility([true, false], false)], [0, 1]);
  });
});
