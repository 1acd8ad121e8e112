// Weights by reference: the tapped model of a single-file model need not carry the weights. Each large top-level
// initializer is rewritten as external data pointing back into the ORIGINAL .onnx file at the byte offset of its
// own raw_data, so JS never reads the payload and ONNX Runtime maps (Linux, macOS) or reads it from the file itself.
// The session is told the model's folder (decode/sessionCache.ts: externalDataOptions); nothing is written anywhere.
import { type FileHandle, realpath } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { InitializerInfo, ModelInfo } from './types';
import { FormatError, Writer, readField } from './wire';

/**
 * Initializers at least this big are referenced; smaller ones (shape constants, scalars) stay inline, where graph
 * optimisations read them cheaply. The ONNX tools' own default threshold for external data.
 */
export const REFERENCE_MIN_BYTES = 1024;

/** TensorProto fields: 13 external_data, 14 data_location (1 = EXTERNAL). */
const EXTERNAL_DATA = 13;
const DATA_LOCATION = 14;
const EXTERNAL = 1;

/** Whether the tapped model keeps a copy of the weights (the default) or references them in the model file. */
export type WeightPlacement = 'copied' | 'referenced';

/**
 * The initializers that can be referenced: top-level (branch initializers stay inline with their branch), payload in
 * raw_data (little-endian, exactly what external data holds; typed lists like int64_data are encoded differently),
 * not already external, not strings.
 */
export function referencedInitializers(model: ModelInfo, minBytes = REFERENCE_MIN_BYTES): InitializerInfo[] {
  return model.graph.initializers.filter(
    (t) => t.dataField === 'raw_data' && t.data !== null && t.data.length >= minBytes && !t.external && t.elemType !== 'string',
  );
}

/**
 * The folder to hand ONNX Runtime and the location the references name: the model file's real place. A Hugging Face
 * cache links snapshots/…/onnx/model.onnx to blobs/<hash>, and ONNX Runtime refuses external data that resolves
 * outside the folder it was given. Null (copy instead) when the model's own external data files live in another
 * folder (one session has one folder) or the file cannot be resolved.
 */
export async function referenceTarget(path: string, dataFolder: string | undefined): Promise<{ folder: string; location: string } | null> {
  try {
    const real = await realpath(path);
    if (dataFolder !== undefined && (await realpath(dataFolder)) !== dirname(real)) return null;
    return { folder: dataFolder ?? dirname(real), location: basename(real) };
  } catch {
    return null;
  }
}

/**
 * The initializer field (key included) rewritten to reference its payload: every field but raw_data is kept as it
 * is in the file, then data_location = EXTERNAL and external_data {location, offset, length}. Reads only the
 * bytes around the payload.
 */
export async function referencedField(handle: FileHandle, t: InitializerInfo, location: string): Promise<Uint8Array[]> {
  const data = t.data!;
  const headLength = data.offset - t.range.offset;
  const tailStart = data.offset + data.length;
  const head = await readExact(handle, t.range.offset, headLength);
  const tail = await readExact(handle, tailStart, t.range.offset + t.range.length - tailStart);
  // The initializer field's own key and length, then its fields up to the raw_data field that holds the payload.
  const outer = readField(head, 0, head.length, t.range.offset, t.range.length);
  let pos = outer.start;
  let payloadKey = -1;
  while (pos < head.length) {
    const f = readField(head, pos, head.length, t.range.offset, t.range.length);
    if (f.start === headLength) {
      payloadKey = f.keyStart;
      break;
    }
    pos = f.end;
  }
  if (payloadKey < 0) throw new FormatError(`the payload of initializer ${t.name} is not where it was read`, data.offset);
  const entry = (key: string, value: string) => new Writer().string(1, key).string(2, value);
  const body = new Writer()
    .raw(head.subarray(outer.start, payloadKey))
    .raw(tail)
    .varint(DATA_LOCATION, EXTERNAL)
    .message(EXTERNAL_DATA, entry('location', location))
    .message(EXTERNAL_DATA, entry('offset', String(data.offset)))
    .message(EXTERNAL_DATA, entry('length', String(data.length)));
  return new Writer().pieces(5, body.toPieces()).toPieces();
}

async function readExact(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
    if (bytesRead === 0) throw new FormatError('the file ended early (was it changed while being read?)', offset + done);
    done += bytesRead;
  }
  return buf;
}
