// Protobuf wire primitives over in-memory bytes. Every read is bounds-checked against an explicit end,
// so a corrupt length can never make us read (or allocate) past the message that declared it.

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** A malformed byte sequence at an absolute file offset; turned into a DecoderLensError at the API boundary. */
export class FormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface Varint {
  value: number;
  /** Offset just after the varint. */
  next: number;
}

/**
 * Reads a varint (up to 10 bytes) at `pos` (local to `buf`), never past `end`. The value is returned as a
 * JS number: exact up to 2^53, approximate beyond (int64 attribute values like INT64_MAX are only ever displayed);
 * negative int64 values (two's complement in 10 bytes) come back negative.
 */
export function readVarint(buf: Uint8Array, pos: number, end: number, base: number): Varint {
  let lo = 0;
  let hi = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new FormatError('a number runs past the end of its message', base + pos);
    const b = buf[pos++];
    if (shift < 28) lo |= (b & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >> 4;
    } else hi |= (b & 0x7f) << (shift - 32);
    shift += 7;
    if ((b & 0x80) === 0) {
      lo >>>= 0;
      if (hi & 0x80000000) return { value: -((~hi >>> 0) * 4294967296 + (~lo >>> 0) + 1), next: pos };
      return { value: (hi >>> 0) * 4294967296 + lo, next: pos };
    }
  }
  throw new FormatError('a number is longer than 10 bytes', base + pos);
}

/** One field header: number, wire type, and where its value lives (all offsets local to the buffer). */
export interface FieldHeader {
  no: number;
  wire: number;
  /** For varint/fixed fields: the value. For length-delimited fields: the declared length. */
  value: number;
  /** Start of the field's key. */
  keyStart: number;
  /** Start of the value bytes (for LEN fields: after the length prefix). */
  start: number;
  /** End of the field. */
  end: number;
}

/**
 * Parses the field header at `pos`. `end` is the end of the bytes available in `buf`, `limit` the end of the
 * enclosing message (both local; they differ when only a field's header has been read from the file); `base`
 * turns local offsets into absolute file offsets for error messages.
 */
export function readField(buf: Uint8Array, pos: number, end: number, base: number, limit = end): FieldHeader {
  const keyStart = pos;
  const key = readVarint(buf, pos, end, base);
  const no = Math.floor(key.value / 8);
  const wire = key.value & 7;
  if (no < 1 || no > 536870911) throw new FormatError(`invalid field number ${no}`, base + keyStart);
  pos = key.next;
  switch (wire) {
    case WIRE_VARINT: {
      const v = readVarint(buf, pos, end, base);
      return { no, wire, value: v.value, keyStart, start: pos, end: v.next };
    }
    case WIRE_I64:
      if (pos + 8 > end) throw new FormatError('an 8-byte value runs past the end of its message', base + pos);
      return { no, wire, value: readF64(buf, pos), keyStart, start: pos, end: pos + 8 };
    case WIRE_I32:
      if (pos + 4 > end) throw new FormatError('a 4-byte value runs past the end of its message', base + pos);
      return { no, wire, value: readF32(buf, pos), keyStart, start: pos, end: pos + 4 };
    case WIRE_LEN: {
      const len = readVarint(buf, pos, end, base);
      if (len.value < 0 || len.next + len.value > limit) {
        throw new FormatError(
          `declared length ${len.value} at byte ${base + pos} runs past the end of its message (${limit - len.next} bytes left)`,
          base + pos,
        );
      }
      return { no, wire, value: len.value, keyStart, start: len.next, end: len.next + len.value };
    }
    default:
      throw new FormatError(`unsupported protobuf wire type ${wire} (field ${no})`, base + keyStart);
  }
}

function readF32(buf: Uint8Array, pos: number): number {
  return new DataView(buf.buffer, buf.byteOffset + pos, 4).getFloat32(0, true);
}

function readF64(buf: Uint8Array, pos: number): number {
  return new DataView(buf.buffer, buf.byteOffset + pos, 8).getFloat64(0, true);
}

const utf8 = new TextDecoder('utf-8');
export function decodeString(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Reads a packed repeated varint field (or a single unpacked element) into `out`. */
export function readPackedVarints(buf: Uint8Array, start: number, end: number, base: number, out: number[], max: number): void {
  let pos = start;
  while (pos < end) {
    if (out.length >= max) throw new FormatError(`more than ${max} values in one list`, base + pos);
    const v = readVarint(buf, pos, end, base);
    out.push(v.value);
    pos = v.next;
  }
}

/** Reads a packed repeated float32 field into `out`. */
export function readPackedFloats(buf: Uint8Array, start: number, end: number, base: number, out: number[], max: number): void {
  if ((end - start) % 4 !== 0) throw new FormatError('a packed float list has a length that is not a multiple of 4', base + start);
  if (out.length + (end - start) / 4 > max) throw new FormatError(`more than ${max} values in one list`, base + start);
  const view = new DataView(buf.buffer, buf.byteOffset + start, end - start);
  for (let i = 0; i < end - start; i += 4) out.push(view.getFloat32(i, true));
}

// ---- Writing (for the few small messages surgery creates) ----

/** Encodes a varint; negative numbers as 10-byte two's complement, like protobuf int64. */
export function encodeVarint(value: number): number[] {
  const out: number[] = [];
  if (value < 0) {
    let lo = value % 4294967296;
    let hi = Math.floor(value / 4294967296);
    lo = (lo + 4294967296) % 4294967296;
    hi = (hi + 4294967296) % 4294967296;
    for (let i = 0; i < 9; i++) {
      out.push((lo & 0x7f) | 0x80);
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi >>>= 7;
    }
    out.push(1);
    return out;
  }
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

const utf8e = new TextEncoder();

/** Small protobuf writer: fields are appended in call order. */
export class Writer {
  private parts: Uint8Array[] = [];
  private length = 0;

  private push(p: Uint8Array): this {
    this.parts.push(p);
    this.length += p.length;
    return this;
  }

  varint(no: number, value: number): this {
    return this.push(Uint8Array.from([...encodeVarint(no * 8 + WIRE_VARINT), ...encodeVarint(value)]));
  }

  float(no: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.push(Uint8Array.from(encodeVarint(no * 8 + WIRE_I32))).push(b);
  }

  bytes(no: number, value: Uint8Array): this {
    return this.push(Uint8Array.from([...encodeVarint(no * 8 + WIRE_LEN), ...encodeVarint(value.length)])).push(value);
  }

  /** A length-delimited field whose body is given in pieces (copied only when the result is concatenated). */
  pieces(no: number, body: Uint8Array[]): this {
    const len = body.reduce((n, p) => n + p.length, 0);
    this.push(Uint8Array.from([...encodeVarint(no * 8 + WIRE_LEN), ...encodeVarint(len)]));
    for (const p of body) this.push(p);
    return this;
  }

  string(no: number, value: string): this {
    return this.bytes(no, utf8e.encode(value));
  }

  message(no: number, inner: Writer): this {
    return this.pieces(no, inner.parts);
  }

  /** Raw bytes (already-encoded fields). */
  raw(p: Uint8Array): this {
    return this.push(p);
  }

  get size(): number {
    return this.length;
  }

  toPieces(): Uint8Array[] {
    return this.parts;
  }

  finish(): Uint8Array {
    return concatBytes(this.parts, this.length);
  }
}

export function concatBytes(parts: Uint8Array[], total = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
