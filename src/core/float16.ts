/**
 * IEEE half floats (ONNX float16) to float32 by table: Node 20 has no Float16Array, and a 65,536-entry lookup
 * (256 KB, built on first use) decodes a logits or attention tensor at memory speed, where bit arithmetic per
 * element costs several times more. (bfloat16 never reaches JavaScript:
 * onnxruntime-node has no bfloat16 tensor type; see runSession.)
 */
let table: Float32Array | undefined;

function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    table[h] =
      exponent === 0
        ? sign * fraction * 2 ** -24
        : exponent === 31
          ? fraction
            ? NaN
            : sign * Infinity
          : sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return table;
}

/** float16 bit patterns (as ONNX Runtime returns them, a Uint16Array) to float32 values. */
export function halfToFloat(halves: Uint16Array): Float32Array {
  const t = halfTable();
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = t[halves[i]];
  return out;
}
