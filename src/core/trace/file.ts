/**
 * The .dltrace file: magic, header length, a JSON header in which each typed array is replaced by a reference
 * into the binary section, then the binary section (8-byte aligned). Readable without the producer's code.
 */
import { DecoderLensError } from '../errors';
import type { Trace } from './types';

const MAGIC = 'DLTRACE1';
const ARRAY_TYPES = { f32: Float32Array, u8: Uint8Array, i32: Int32Array } as const;
type ArrayTag = keyof typeof ARRAY_TYPES;
interface TensorRef {
  $tensor: ArrayTag;
  offset: number;
  length: number;
}

export function encodeTrace(trace: Trace): Uint8Array {
  const chunks: Uint8Array[] = [];
  let binaryLength = 0;
  const header = JSON.stringify(trace, (_key, value: unknown) => {
    const tag = tagOf(value);
    if (!tag) return value;
    const array = value as Float32Array | Uint8Array | Int32Array;
    const ref: TensorRef = { $tensor: tag, offset: binaryLength, length: array.length };
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    chunks.push(bytes);
    binaryLength += align8(bytes.byteLength);
    return ref;
  });
  const headerBytes = new TextEncoder().encode(header);
  const start = align8(MAGIC.length + 4 + headerBytes.length);
  const out = new Uint8Array(start + binaryLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, MAGIC.length + 4);
  let offset = start;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += align8(chunk.byteLength);
  }
  return out;
}

export function decodeTrace(bytes: Uint8Array, file = 'the trace'): Trace {
  const fail = (why: string) => new DecoderLensError('bad-input', `${file} is not a Decoder Lens trace (${why}). Save a trace with "Decoder Lens: Save Trace" or \`decoder-lens trace --out\`.`, file);
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) throw fail('wrong magic bytes');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerEnd > bytes.length) throw fail('the header runs past the end of the file');
  const start = align8(headerEnd);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, headerEnd)), (_key, value: unknown) => {
      if (!isRef(value)) return value;
      const Type = ARRAY_TYPES[value.$tensor];
      const byteOffset = start + value.offset;
      const byteLength = value.length * Type.BYTES_PER_ELEMENT;
      if (byteOffset + byteLength > bytes.length) throw fail('a tensor runs past the end of the file');
      // Copy out so the trace owns aligned buffers it can transfer.
      const copy = new Uint8Array(byteLength);
      copy.set(bytes.subarray(byteOffset, byteOffset + byteLength));
      return new Type(copy.buffer);
    });
  } catch (error) {
    if (error instanceof DecoderLensError) throw error;
    throw fail(`its header is not valid JSON: ${(error as Error).message}`);
  }
  const trace = parsed as Partial<Trace>;
  if (trace?.format !== 'decoder-lens-trace') throw fail('no trace header');
  if (trace.version !== 1) throw fail(`version ${String(trace.version)} is newer than this Decoder Lens understands`);
  return trace as Trace;
}

function tagOf(value: unknown): ArrayTag | undefined {
  if (value instanceof Float32Array) return 'f32';
  if (value instanceof Uint8Array) return 'u8';
  if (value instanceof Int32Array) return 'i32';
  return undefined;
}

function isRef(value: unknown): value is TensorRef {
  const v = value as TensorRef;
  return !!v && typeof v === 'object' && typeof v.$tensor === 'string' && v.$tensor in ARRAY_TYPES && Number.isInteger(v.offset) && v.offset >= 0 && Number.isInteger(v.length) && v.length >= 0;
}

const align8 = (n: number) => (n + 7) & ~7;
