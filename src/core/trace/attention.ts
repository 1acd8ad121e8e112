/**
 * Reading an attention capture, whether it was stored as float32 or as compact codes (AttentionCapture.quantized),
 * a head, a row or a value at a time: a long trace (24 layers × 16 heads × 4,096² probabilities) must never be
 * expanded to float32 whole. Every reader of attention probabilities goes through here.
 */
import { halfToFloat } from '../float16';
import type { AttentionCapture } from './types';

/**
 * The stored values and the factor that turns one into a probability (1 for float32; 1 / (2^bits − 1) for codes).
 * Codes are monotonic in the probability, so a max over codes is the code of the max (max-pooling works on them).
 */
export interface AttentionStore {
  values: Float32Array | Uint16Array | Uint8Array;
  scale: number;
  /** The codes are of √p: a probability is (value × scale)² (QuantizedCapture coding 'sqrt'). */
  squared?: boolean;
}

const codeViews = new WeakMap<Uint8Array, Uint16Array>();

export function attentionStore(capture: AttentionCapture): AttentionStore {
  if (capture.topK) throw new TypeError('A top-k capture has no dense store: read it with the row, head or pooling accessors.');
  const q = capture.quantized;
  if (!q) return { values: capture.data, scale: 1 };
  const scale = 1 / (2 ** q.bits - 1);
  if (q.bits === 8) return { values: q.codes, scale, ...(q.coding === 'sqrt' ? { squared: true } : {}) };
  let view = codeViews.get(q.codes);
  if (!view) {
    // A Uint16Array view needs an even offset; a copy otherwise (the bytes are little-endian, as written).
    const bytes = q.codes.byteOffset % 2 === 0 ? q.codes : q.codes.slice();
    view = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    codeViews.set(q.codes, view);
  }
  return { values: view, scale };
}

/** Where head `head` (0 for a head-averaged capture) starts in the stored values; throws past the stored heads. */
function headOffset(capture: AttentionCapture, head: number): number {
  const h = capture.headAveraged ? 0 : head;
  if (!Number.isInteger(h) || h < 0 || h >= capture.heads)
    throw new RangeError(`Layer ${capture.layer} ${capture.kind} attention has no head ${head} (${capture.heads} stored).`);
  return h * capture.queries * capture.keys;
}

function decodeRange(store: AttentionStore, from: number, length: number, fresh: boolean): Float32Array {
  if (store.values instanceof Float32Array) {
    const view = store.values.subarray(from, from + length);
    return fresh ? view.slice() : view;
  }
  const out = new Float32Array(length);
  const { values, scale } = store;
  if (values instanceof Uint8Array && length > 4096) {
    // 8-bit codes: a 256-entry table, the same float64 arithmetic per code, read once per cell (2× faster).
    const table = new Float32Array(256);
    for (let c = 0; c < 256; c++) table[c] = store.squared ? c * scale * (c * scale) : c * scale;
    for (let i = 0; i < length; i++) out[i] = table[values[from + i]];
    return out;
  }
  if (store.squared)
    for (let i = 0; i < length; i++) {
      const r = values[from + i] * scale;
      out[i] = r * r;
    }
  else for (let i = 0; i < length; i++) out[i] = values[from + i] * scale;
  return out;
}

/**
 * One head's probabilities, [queries × keys] row-major. For a float32 capture this is a view into its data unless
 * `fresh` (pass true before posting or keeping it: a view carries the whole buffer); codes are always decoded fresh.
 */
export function attentionHead(capture: AttentionCapture, head: number, fresh = false): Float32Array {
  const size = capture.queries * capture.keys;
  if (capture.topK) {
    const out = new Float32Array(size);
    for (let q = 0; q < capture.queries; q++) scatterRow(capture, head, q, out, q * capture.keys);
    return out;
  }
  return decodeRange(attentionStore(capture), headOffset(capture, head), size, fresh);
}

/** One query row of one head: `keys` probabilities (a view for float32 unless `fresh`, as attentionHead). */
export function attentionQueryRow(capture: AttentionCapture, head: number, query: number, fresh = false): Float32Array {
  if (!Number.isInteger(query) || query < 0 || query >= capture.queries)
    throw new RangeError(`Query ${query} is outside 0…${capture.queries - 1}.`);
  if (capture.topK) {
    const out = new Float32Array(capture.keys);
    scatterRow(capture, head, query, out, 0);
    return out;
  }
  return decodeRange(attentionStore(capture), headOffset(capture, head) + query * capture.keys, capture.keys, fresh);
}

/** One probability. */
export function attentionAt(capture: AttentionCapture, head: number, query: number, key: number): number {
  const t = capture.topK;
  if (t) {
    const at = (headOffset(capture, head) / capture.keys + query) * t.k;
    for (let j = 0; j < t.k; j++) if (t.indices[at + j] === key) return halfAt(t.values, at + j);
    return 0;
  }
  const { values, scale, squared } = attentionStore(capture);
  const v = values[headOffset(capture, head) + query * capture.keys + key] * scale;
  return squared ? v * v : v;
}

/** The mean over the stored heads, [queries × keys] (a view of the data for a float32 capture with one head). */
export function attentionHeadMean(capture: AttentionCapture): Float32Array {
  const size = capture.queries * capture.keys;
  if (capture.topK) {
    const out = new Float32Array(size);
    for (let h = 0; h < capture.heads; h++)
      for (let q = 0; q < capture.queries; q++) scatterRow(capture, h, q, out, q * capture.keys, true);
    if (capture.heads > 1) for (let i = 0; i < size; i++) out[i] /= capture.heads;
    return out;
  }
  const store = attentionStore(capture);
  if (capture.heads === 1) return decodeRange(store, 0, size, false);
  const out = new Float32Array(size);
  const { values, scale, squared } = store;
  for (let h = 0; h < capture.heads; h++) {
    const base = h * size;
    if (squared)
      for (let i = 0; i < size; i++) {
        const r = values[base + i] * scale;
        out[i] += r * r;
      }
    else for (let i = 0; i < size; i++) out[i] += values[base + i] * scale;
  }
  for (let i = 0; i < size; i++) out[i] /= capture.heads;
  return out;
}

/**
 * The whole capture as float32 ([head][query][key]). Expands a quantised capture in full: for small traces and
 * tests only — readers use the head, row or value accessors above.
 */
export function attentionValues(capture: AttentionCapture): Float32Array {
  if (capture.topK) {
    const size = capture.queries * capture.keys;
    const out = new Float32Array(capture.heads * size);
    for (let h = 0; h < capture.heads; h++) out.set(attentionHead(capture, h), h * size);
    return out;
  }
  if (!capture.quantized) return capture.data;
  return decodeRange(attentionStore(capture), 0, capture.heads * capture.queries * capture.keys, true);
}

/** The precision the values were stored at, in words, or undefined for float32. */
export function attentionPrecision(capture: AttentionCapture): string | undefined {
  const t = capture.topK;
  if (t)
    return `each row's ${t.k} largest probabilities (float16, within ${(t.maxRelativeError * 100).toPrecision(2)}%) and the mass of the rest`;
  const q = capture.quantized;
  return q
    ? `${q.bits}-bit ${q.coding === 'sqrt' ? 'square-root codes of the ' : ''}probabilities, each within ±${q.maxError.toPrecision(2)}`
    : undefined;
}

// ── Sparse top-k captures ──────────────────────────────────────────────────────────────────────────────────────

const halfViews = new WeakMap<Uint8Array, Uint16Array>();

/** The float16 bit patterns of a top-k capture's values (a view when aligned). */
function halfValues(bytes: Uint8Array): Uint16Array {
  let view = halfViews.get(bytes);
  if (!view) {
    const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
    view = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2);
    halfViews.set(bytes, view);
  }
  return view;
}

function halfAt(bytes: Uint8Array, i: number): number {
  return halfToFloat(halfValues(bytes).subarray(i, i + 1))[0];
}

/** One row's kept probabilities decoded: keys and values, largest first (k at most; fewer where indices are −1). */
export function attentionTopRow(
  capture: AttentionCapture,
  head: number,
  query: number,
): { keys: Int32Array; values: Float32Array; rest: number } {
  const t = capture.topK;
  if (!t) throw new TypeError('Not a top-k capture.');
  if (!Number.isInteger(query) || query < 0 || query >= capture.queries)
    throw new RangeError(`Query ${query} is outside 0…${capture.queries - 1}.`);
  const row = headOffset(capture, head) / capture.keys + query;
  const keys = t.indices.subarray(row * t.k, (row + 1) * t.k);
  const values = halfToFloat(halfValues(t.values).subarray(row * t.k, (row + 1) * t.k));
  return { keys, values, rest: t.rest[row] };
}

/** Writes (or with `add`, adds) one top-k row into out[at, at + keys); keys outside the top k are left as they are. */
function scatterRow(capture: AttentionCapture, head: number, query: number, out: Float32Array, at: number, add = false): void {
  const { keys, values } = attentionTopRow(capture, head, query);
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j];
    if (key < 0 || key >= capture.keys) continue;
    if (add) out[at + key] += values[j];
    else out[at + key] = values[j];
  }
}

/**
 * The same sparse capture with only each row's `k` largest probabilities (those it had first) and the dropped
 * ones added to the rest mass: for a report that must stay small. Any other capture is returned as it is.
 */
export function attentionTopKShrunk(capture: AttentionCapture, k: number): AttentionCapture {
  const t = capture.topK;
  if (!t || k >= t.k) return capture;
  const rows = t.rest.length;
  const halves = halfValues(t.values);
  const values = new Uint16Array(rows * k);
  const indices = new Int32Array(rows * k);
  const rest = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    values.set(halves.subarray(r * t.k, r * t.k + k), r * k);
    indices.set(t.indices.subarray(r * t.k, r * t.k + k), r * k);
    const dropped = halfToFloat(halves.subarray(r * t.k + k, (r + 1) * t.k));
    let sum = t.rest[r];
    for (let j = 0; j < dropped.length; j++) if (t.indices[r * t.k + k + j] >= 0) sum += dropped[j];
    rest[r] = sum;
  }
  return { ...capture, topK: { ...t, k, values: new Uint8Array(values.buffer), indices, rest } };
}
