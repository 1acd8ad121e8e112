/** An attention capture's probabilities as float32, whether it was stored as float32 or as compact codes. */
import type { AttentionCapture } from './types';

export function attentionValues(capture: AttentionCapture): Float32Array {
  const q = capture.quantized;
  if (!q) return capture.data;
  const levels = 2 ** q.bits - 1;
  let codes: Uint8Array | Uint16Array = q.codes;
  if (q.bits === 16) {
    // A Uint16Array view needs an even offset; a copy otherwise (the bytes are little-endian, as written).
    const bytes = q.codes.byteOffset % 2 === 0 ? q.codes : q.codes.slice();
    codes = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  }
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] / levels;
  return out;
}
