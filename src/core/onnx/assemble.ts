// Writes the tapped model into one buffer straight from the file: unchanged byte ranges are read into place
// (weights are never decoded, nor copied twice), only the changed node fields and the graph headers around
// them are new bytes. With no node changes the result is the file plus one appended `graph { … }` field,
// which protobuf merges into the graph. With weights by reference (referenced.ts), the large initializer fields
// are replaced too, and their payloads are never read at all.
import type { FileHandle } from 'node:fs/promises';
import { referencedField } from './referenced';
import { type Relocation, relocatedField } from './relocate';
import { type GraphEdit, additions, rewriteNodeField } from './surgeryBytes';
import type { ByteRange, InitializerInfo, ModelInfo } from './types';
import { FormatError, WIRE_LEN, Writer, encodeVarint, readField } from './wire';

type Piece = ByteRange | Uint8Array;

/** Initializers to write as references into the model file, and the location they name. */
export interface References {
  location: string;
  initializers: InitializerInfo[];
}

/** Initializer fields rewritten on the way: weights referenced (referenced.ts), data files renamed (relocate.ts). */
export interface Rewrites {
  refs?: References;
  relocation?: Relocation;
}

/** A field of the top-level graph written anew: its range in the file and its new bytes. */
interface Replacement {
  range: ByteRange;
  pieces: () => Promise<Uint8Array[]>;
}

async function readRange(handle: FileHandle, r: ByteRange): Promise<Uint8Array> {
  const buf = new Uint8Array(r.length);
  let done = 0;
  while (done < r.length) {
    const { bytesRead } = await handle.read(buf, done, r.length - done, r.offset + done);
    if (bytesRead === 0) throw new FormatError('the file ended early (was it changed while being read?)', r.offset + done);
    done += bytesRead;
  }
  return buf;
}

function replacements(handle: FileHandle, model: ModelInfo, root: GraphEdit, { refs, relocation }: Rewrites): Replacement[] {
  const nodes: Replacement[] = [...root.nodes.entries()].map(([index, change]) => {
    const range = model.graph.nodes[index].range;
    return { range, pieces: async () => rewriteNodeField(await readRange(handle, range), change) };
  });
  const tensors: Replacement[] = [...(refs?.initializers ?? []), ...(relocation?.initializers ?? [])].map((t) => ({
    range: t.range,
    pieces: async () => (await initializerPieces(handle, t, { refs, relocation }))!,
  }));
  return [...nodes, ...tensors].sort((a, b) => a.range.offset - b.range.offset);
}

/** One initializer field (key included) as `rewrites` says to write it, or null when it is written as the file has it. */
export function initializerPieces(handle: FileHandle, t: InitializerInfo, { refs, relocation }: Rewrites): Promise<Uint8Array[]> | null {
  if (refs?.initializers.includes(t)) return referencedField(handle, t, refs.location);
  if (relocation?.initializers.includes(t)) return relocatedField(handle, t, relocation.locations);
  return null;
}

/** The pieces of the edited model, in order. */
async function plan(handle: FileHandle, model: ModelInfo, root: GraphEdit, rewrites: Rewrites): Promise<Piece[]> {
  const tail = additions(root);
  const appended = tail.length > 0 ? new Writer().pieces(7, tail).toPieces() : [];
  const changed = replacements(handle, model, root, rewrites);
  if (changed.length === 0) return [{ offset: 0, length: model.byteLength }, ...appended];
  const pieces: Piece[] = [];
  let cursor = 0;
  for (const occurrence of [...model.graph.ranges].sort((a, b) => a.offset - b.offset)) {
    const end = occurrence.offset + occurrence.length;
    const inside = changed.filter((c) => c.range.offset >= occurrence.offset && c.range.offset < end);
    if (inside.length === 0) continue;
    const header = await readRange(handle, { offset: occurrence.offset, length: Math.min(20, occurrence.length) });
    const bodyStart = occurrence.offset + readField(header, 0, header.length, occurrence.offset, occurrence.length).start;
    const body: Piece[] = [];
    let at = bodyStart;
    for (const c of inside) {
      body.push({ offset: at, length: c.range.offset - at });
      body.push(...(await c.pieces()));
      at = c.range.offset + c.range.length;
    }
    body.push({ offset: at, length: end - at });
    pieces.push({ offset: cursor, length: occurrence.offset - cursor });
    pieces.push(
      fieldHeader(
        7,
        body.reduce((n, p) => n + p.length, 0),
      ),
      ...body,
    );
    cursor = end;
  }
  pieces.push({ offset: cursor, length: model.byteLength - cursor }, ...appended);
  return pieces;
}

/** Key and length of a length-delimited field whose body is written separately. */
function fieldHeader(no: number, length: number): Uint8Array {
  return Uint8Array.from([...encodeVarint(no * 8 + WIRE_LEN), ...encodeVarint(length)]);
}

/**
 * The edited model in one buffer, filled by positional reads from the file. `append`: more fields for the end of
 * the ModelProto (protobuf merges them), written into the same buffer. `rewrites`: initializers written as
 * references into the file instead of copies, or with their data files renamed.
 */
export async function assemble(
  handle: FileHandle,
  model: ModelInfo,
  root: GraphEdit,
  append: Uint8Array[] = [],
  rewrites: Rewrites = {},
): Promise<Uint8Array> {
  const pieces = [...(await plan(handle, model, root, rewrites)), ...append];
  // Unpooled and uninitialised: every byte is written below.
  const out = Buffer.allocUnsafeSlow(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    if (p instanceof Uint8Array) out.set(p, at);
    else {
      let done = 0;
      while (done < p.length) {
        const { bytesRead } = await handle.read(out, at + done, p.length - done, p.offset + done);
        if (bytesRead === 0) throw new FormatError('the file ended early (was it changed while being read?)', p.offset + done);
        done += bytesRead;
      }
    }
    at += p.length;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
