// External data behind links: a Hugging Face cache keeps snapshots/<rev>/onnx/model.onnx_data as a link to
// blobs/<hash>. ONNX Runtime loading the path follows it, but a session made from bytes refuses external data that
// resolves outside the folder it was given. The tapped model then names each data file by its real name, in its
// real folder; only the small external_data entries of those initializers are rewritten.
import { type FileHandle, realpath } from 'node:fs/promises';
import { basename, dirname, join, normalize } from 'node:path';
import type { InitializerInfo, ModelInfo } from './types';
import { FormatError, Writer, decodeString, readField } from './wire';

const EXTERNAL_DATA = 13;

/** Data files renamed to their real names (location as written → real basename), all in `folder`. */
export interface Relocation {
  folder: string;
  locations: Map<string, string>;
  initializers: InitializerInfo[];
}

/**
 * The relocation a model's external data needs, or null when every data file is already where its location says
 * (no links), or when it cannot be done by rewriting top-level initializers (a branch initializer is external, or
 * the files resolve into different folders): ONNX Runtime then reads the files as named, as before.
 */
export async function relocation(model: ModelInfo, folder: string): Promise<Relocation | null> {
  if (model.externalDataFiles.length === 0) return null;
  const real = new Map<string, string>();
  try {
    for (const location of model.externalDataFiles) real.set(location, await realpath(join(folder, normalize(location))));
  } catch {
    return null;
  }
  const realFolder = await realpath(folder).catch(() => folder);
  const moved = [...real].some(([location, file]) => file !== join(realFolder, normalize(location)));
  if (!moved) return null;
  const folders = new Set([...real.values()].map(dirname));
  if (folders.size !== 1 || branchExternal(model)) return null;
  return {
    folder: [...folders][0],
    locations: new Map([...real].map(([location, file]) => [location, basename(file)])),
    initializers: model.graph.initializers.filter((t) => t.external),
  };
}

function branchExternal(model: ModelInfo): boolean {
  const inBranches = (g: ModelInfo['graph']): boolean =>
    g.nodes.some((n) => Object.values(n.subgraphs).some((sg) => sg.initializers.some((t) => t.external) || inBranches(sg)));
  return inBranches(model.graph);
}

/** The initializer field with its external_data `location` entry renamed; every other field kept byte for byte. */
export async function relocatedField(handle: FileHandle, t: InitializerInfo, locations: Map<string, string>): Promise<Uint8Array[]> {
  const field = new Uint8Array(t.range.length);
  let done = 0;
  while (done < field.length) {
    const { bytesRead } = await handle.read(field, done, field.length - done, t.range.offset + done);
    if (bytesRead === 0) throw new FormatError('the file ended early (was it changed while being read?)', t.range.offset + done);
    done += bytesRead;
  }
  const outer = readField(field, 0, field.length, t.range.offset);
  const body = new Writer();
  for (let pos = outer.start; pos < outer.end;) {
    const f = readField(field, pos, outer.end, t.range.offset);
    pos = f.end;
    const location = f.no === EXTERNAL_DATA ? entryValue(field, f.start, f.end, 'location') : undefined;
    const renamed = location !== undefined ? locations.get(location) : undefined;
    if (renamed !== undefined) body.message(EXTERNAL_DATA, new Writer().string(1, 'location').string(2, renamed));
    else body.raw(field.subarray(f.keyStart, f.end));
  }
  return new Writer().pieces(5, body.toPieces()).toPieces();
}

/** The value of a StringStringEntryProto whose key is `key`, else undefined. */
function entryValue(buf: Uint8Array, start: number, end: number, key: string): string | undefined {
  let k: string | undefined;
  let v: string | undefined;
  for (let pos = start; pos < end;) {
    const f = readField(buf, pos, end, 0);
    pos = f.end;
    if (f.no === 1) k = decodeString(buf.subarray(f.start, f.end));
    else if (f.no === 2) v = decodeString(buf.subarray(f.start, f.end));
  }
  return k === key ? (v ?? '') : undefined;
}
