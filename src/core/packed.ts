/**
 * A value with typed arrays in it, as one byte string: a JSON header in which each typed array is a reference
 * into a binary section. Lets a page embed tensors (as base64, see src/panelData/base64.ts) without JSON arrays of numbers.
 * DOM-free: the host packs, the page unpacks.
 */

const TYPES = { f32: Float32Array, u8: Uint8Array, i32: Int32Array } as const;
type Tag = keyof typeof TYPES;
interface Ref {
  $packed: Tag;
  offset: number;
  length: number;
}

export function pack(value: unknown): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  // The value's own fields, not a toJSON view of it (a command's result as the workbench sees it is a summary).
  const root = value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value) ? { ...value } : value;
  const header = JSON.stringify(root, (_k, v: unknown) => {
    const tag = tagOf(v);
    if (!tag) return typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v;
    const a = v as Float32Array | Uint8Array | Int32Array;
    chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const ref: Ref = { $packed: tag, offset: size, length: a.length };
    size += align8(a.byteLength);
    return ref;
  });
  const head = new TextEncoder().encode(header);
  const start = align8(4 + head.length);
  const out = new Uint8Array(start + size);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  let at = start;
  for (const c of chunks) {
    out.set(c, at);
    at += align8(c.byteLength);
  }
  return out;
}

/** Throws PackedFormatError on anything that is not a well-formed pack (the bytes may come from a file). */
export function unpack<T>(bytes: Uint8Array): T {
  if (bytes.length < 4) throw new PackedFormatError('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLength = view.getUint32(0, true);
  if (4 + headLength > bytes.length) throw new PackedFormatError('truncated: the header runs past the end');
  const start = align8(4 + headLength);
  const header = new TextDecoder().decode(bytes.subarray(4, 4 + headLength));
  return JSON.parse(header, (_k, v: unknown) => {
    const num = v as { $num?: string };
    if (num && typeof num === 'object' && typeof num.$num === 'string' && Object.keys(num).length === 1) return Number(num.$num);
    const ref = v as Ref;
    if (!ref || typeof ref !== 'object' || typeof ref.$packed !== 'string' || !(ref.$packed in TYPES)) return v;
    if (!Number.isSafeInteger(ref.offset) || !Number.isSafeInteger(ref.length) || ref.offset < 0 || ref.length < 0)
      throw new PackedFormatError('a tensor reference is malformed');
    const Type = TYPES[ref.$packed];
    const from = start + ref.offset;
    const length = ref.length * Type.BYTES_PER_ELEMENT;
    if (from + length > bytes.length) throw new PackedFormatError('truncated: a tensor runs past the end');
    const copy = new Uint8Array(length);
    copy.set(bytes.subarray(from, from + length));
    return new Type(copy.buffer);
  }) as T;
}

export class PackedFormatError extends Error {
  override readonly name = 'PackedFormatError';
}

function tagOf(v: unknown): Tag | undefined {
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Uint8Array) return 'u8';
  if (v instanceof Int32Array) return 'i32';
  return undefined;
}

const align8 = (n: number) => (n + 7) & ~7;
