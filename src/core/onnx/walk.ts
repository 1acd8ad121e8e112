// Generic protobuf message walkers driven by small per-message specs (specs.ts). The same spec decodes a message
// that is already in memory (decodeSync) or one that is only in the file (decodeAsync, positional reads): large
// messages are walked field by field from the file, small ones are read whole and decoded in memory, and payload
// fields (tensor data) are recorded as byte ranges and skipped, never read.
import type { FileHandle } from 'node:fs/promises';
import type { ByteRange } from './types';
import { type FieldHeader, FormatError, WIRE_LEN, readField } from './wire';

export const LIMITS = {
  /** Message nesting (a subgraph costs three levels: node, attribute, graph). */
  maxDepth: 64,
  /** If/Loop/Scan bodies inside bodies. */
  maxGraphDepth: 16,
  maxNodes: 2_000_000,
  /** Fields decoded in total (payloads are skipped, not counted). */
  maxFields: 20_000_000,
  /** One leaf value (a name, a string attribute) read into memory. */
  maxLeafBytes: 16 * 1024 * 1024,
  /** Values in one repeated list (dims, ints, floats). */
  maxList: 1_000_000,
};

export interface Ctx {
  depth: number;
  graphDepth: number;
  fields: number;
  nodes: number;
}

export function newCtx(): Ctx {
  return { depth: 0, graphDepth: 0, fields: 0, nodes: 0 };
}

export interface Spec<T> {
  name: string;
  /** Messages up to this many bytes are read whole and decoded in memory. */
  eager: number;
  /** True for GraphProto: counts towards the subgraph nesting limit. */
  graph?: boolean;
  create(): T;
  /** Message-typed fields that may hold payloads, decoded with their own spec. */
  child?(no: number): Spec<unknown> | undefined;
  /** Fields never read: payloads (range recorded) and doc strings. */
  skip?(no: number): 'payload' | 'ignore' | undefined;
  /** Any other field. For LEN fields, `f.start..f.end` index `buf`; `base` is buf[0]'s file offset. */
  field(msg: T, f: FieldHeader, buf: Uint8Array, base: number, ctx: Ctx): void;
  onChild?(msg: T, no: number, child: unknown, field: ByteRange, ctx: Ctx): void;
  /** `bytes` is given when the payload happens to be in memory already (small messages). */
  onPayload?(msg: T, no: number, range: ByteRange, bytes: Uint8Array | undefined): void;
  done?(msg: T, ctx: Ctx): T;
}

function enter(spec: Spec<unknown>, ctx: Ctx, offset: number): void {
  if (++ctx.depth > LIMITS.maxDepth) throw new FormatError(`messages are nested more than ${LIMITS.maxDepth} deep`, offset);
  if (spec.graph && ++ctx.graphDepth > LIMITS.maxGraphDepth) {
    throw new FormatError(`subgraphs are nested more than ${LIMITS.maxGraphDepth} deep`, offset);
  }
}

function leave(spec: Spec<unknown>, ctx: Ctx): void {
  ctx.depth--;
  if (spec.graph) ctx.graphDepth--;
}

function count(ctx: Ctx, offset: number): void {
  if (++ctx.fields > LIMITS.maxFields) throw new FormatError(`more than ${LIMITS.maxFields} fields`, offset);
}

function wrongWire(spec: Spec<unknown>, f: FieldHeader, base: number): FormatError {
  return new FormatError(`field ${f.no} of ${spec.name} has wire type ${f.wire}, expected a message`, base + f.keyStart);
}

/** Decodes `buf[start..end)` (file offset of buf[0] is `base`). */
export function decodeSync<T>(spec: Spec<T>, buf: Uint8Array, base: number, start: number, end: number, ctx: Ctx): T {
  enter(spec, ctx, base + start);
  const msg = spec.create();
  let pos = start;
  while (pos < end) {
    const f = readField(buf, pos, end, base);
    count(ctx, base + pos);
    pos = f.end;
    const child = spec.child?.(f.no);
    if (child) {
      if (f.wire !== WIRE_LEN) throw wrongWire(spec, f, base);
      const value = decodeSync(child, buf, base, f.start, f.end, ctx);
      spec.onChild!(msg, f.no, value, { offset: base + f.keyStart, length: f.end - f.keyStart }, ctx);
      continue;
    }
    const skip = spec.skip?.(f.no);
    if (skip === 'payload') {
      if (f.wire === WIRE_LEN) spec.onPayload?.(msg, f.no, { offset: base + f.start, length: f.value }, buf.subarray(f.start, f.end));
      continue;
    }
    if (skip === 'ignore') continue;
    spec.field(msg, f, buf, base, ctx);
  }
  leave(spec, ctx);
  return spec.done ? spec.done(msg, ctx) : msg;
}

/** Positional reads over an open file, with one cached block so runs of small fields cost one read. */
export class FileSource {
  private static readonly BLOCK = 64 * 1024;
  private block: Uint8Array = new Uint8Array(0);
  private blockStart = 0;
  /** I/O done so far (tests and the benchmark check that weights are never read). */
  readonly stats = { reads: 0, bytes: 0 };

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  peek(pos: number, len: number): Uint8Array | undefined {
    const rel = pos - this.blockStart;
    if (rel >= 0 && rel + len <= this.block.length) return this.block.subarray(rel, rel + len);
    return undefined;
  }

  async read(pos: number, len: number): Promise<Uint8Array> {
    const cached = this.peek(pos, len);
    if (cached) return cached;
    if (pos < 0 || len < 0 || pos + len > this.size) {
      throw new FormatError(`needs bytes ${pos}..${pos + len} but the file has ${this.size}`, pos);
    }
    if (len >= FileSource.BLOCK) return this.readExact(pos, len);
    this.block = await this.readExact(pos, Math.min(FileSource.BLOCK, this.size - pos));
    this.blockStart = pos;
    return this.block.subarray(0, len);
  }

  private async readExact(pos: number, len: number): Promise<Uint8Array> {
    const buf = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      this.stats.reads++;
      const { bytesRead } = await this.handle.read(buf, done, len - done, pos + done);
      if (bytesRead === 0) throw new FormatError('the file ended early (was it changed while being read?)', pos + done);
      done += bytesRead;
      this.stats.bytes += bytesRead;
    }
    return buf;
  }
}

/** Decodes the message at file bytes [start, end) without reading its payload fields. */
export async function decodeAsync<T>(spec: Spec<T>, src: FileSource, start: number, end: number, ctx: Ctx): Promise<T> {
  if (end - start <= spec.eager) {
    const buf = src.peek(start, end - start) ?? (await src.read(start, end - start));
    return decodeSync(spec, buf, start, 0, end - start, ctx);
  }
  enter(spec, ctx, start);
  const msg = spec.create();
  let pos = start;
  while (pos < end) {
    const hlen = Math.min(20, end - pos);
    const head = src.peek(pos, hlen) ?? (await src.read(pos, hlen));
    // Header bytes come from `head`; the declared value must fit in what is left of this message.
    const f = readField(head, 0, hlen, pos, end - pos);
    count(ctx, pos);
    const abs = { start: pos + f.start, end: pos + f.end, key: pos };
    pos = abs.end;
    const child = spec.child?.(f.no);
    if (child) {
      if (f.wire !== WIRE_LEN) throw wrongWire(spec, f, abs.key);
      const value = await decodeAsync(child, src, abs.start, abs.end, ctx);
      spec.onChild!(msg, f.no, value, { offset: abs.key, length: abs.end - abs.key }, ctx);
      continue;
    }
    const skip = spec.skip?.(f.no);
    if (skip === 'payload') {
      if (f.wire === WIRE_LEN) spec.onPayload?.(msg, f.no, { offset: abs.start, length: f.value }, undefined);
      continue;
    }
    if (skip === 'ignore') continue;
    if (f.wire !== WIRE_LEN) {
      spec.field(msg, f, head, abs.key, ctx);
      continue;
    }
    if (f.value > LIMITS.maxLeafBytes) {
      throw new FormatError(`field ${f.no} of ${spec.name} is ${f.value} bytes, more than a name or attribute can be`, abs.key);
    }
    const buf = src.peek(abs.start, f.value) ?? (await src.read(abs.start, f.value));
    spec.field(msg, { ...f, keyStart: 0, start: 0, end: f.value }, buf, abs.start, ctx);
  }
  leave(spec, ctx);
  return spec.done ? spec.done(msg, ctx) : msg;
}
