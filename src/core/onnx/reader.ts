// The lazy model reader: walks a ModelProto straight from the file with positional reads, seeking past weights.
import { open } from 'node:fs/promises';
import { DecoderLensError } from '../errors';
import { MODEL_FIELDS, type ModelDraft, modelSpec } from './specs';
import type { GraphInfo, ModelInfo } from './types';
import { FileSource, decodeAsync, decodeSync, newCtx } from './walk';
import { FormatError, readField } from './wire';

export interface ReadStats {
  reads: number;
  bytes: number;
}

/**
 * Reads the structure of the model at `path` (never its initializer payloads). Pass `stats` to learn how
 * much I/O it took.
 */
export async function readModel(path: string, options: { stats?: ReadStats } = {}): Promise<ModelInfo> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw fileError(path, e);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new DecoderLensError('bad-input', `${path} is a folder, not an .onnx file.`, path);
    const size = stat.size;
    const src = new FileSource(handle, size);
    const head = await src.read(0, Math.min(64, size));
    checkLooksLikeModel(path, head, size);
    try {
      const draft = await wrap(path, size, () => decodeAsync(modelSpec, src, 0, size, newCtx()));
      return finish(path, size, draft);
    } finally {
      if (options.stats) Object.assign(options.stats, src.stats);
    }
  } catch (e) {
    throw e instanceof DecoderLensError ? e : fileError(path, e);
  } finally {
    await handle.close();
  }
}

/** The same reader over bytes already in memory (surgery has read the whole file anyway). */
export function readModelBytes(path: string, bytes: Uint8Array): ModelInfo {
  checkLooksLikeModel(path, bytes.subarray(0, 64), bytes.length);
  let draft: ModelDraft;
  try {
    draft = decodeSync(modelSpec, bytes, 0, 0, bytes.length, newCtx());
  } catch (e) {
    throw formatError(path, bytes.length, e);
  }
  return finish(path, bytes.length, draft);
}

async function wrap<T>(path: string, size: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw formatError(path, size, e);
  }
}

function formatError(path: string, size: number, e: unknown): unknown {
  if (!(e instanceof FormatError)) return e;
  return new DecoderLensError(
    'bad-model',
    `Cannot read ONNX model ${path}: ${e.message} (at byte ${e.offset} of ${size}). ` +
      'The file is truncated or corrupt; export or download it again.',
    path,
  );
}

function fileError(path: string, e: unknown): DecoderLensError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new DecoderLensError('not-found', `Model file not found: ${path}`, path);
  if (code === 'EISDIR') return new DecoderLensError('bad-input', `${path} is a folder, not an .onnx file.`, path);
  const detail = e instanceof Error ? e.message : String(e);
  return new DecoderLensError('bad-input', `Cannot open model file ${path}: ${detail}`, path);
}

const MAGIC: [string, (b: Uint8Array) => boolean][] = [
  ['a PNG image', (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47],
  ['a JPEG image', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['a GIF image', (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46],
  ['a PDF document', (b) => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46],
  ['a ZIP archive (a PyTorch checkpoint?)', (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04],
  ['a GGUF model', (b) => b[0] === 0x47 && b[1] === 0x47 && b[2] === 0x55 && b[3] === 0x46],
  ['a safetensors file', (b) => b.length > 9 && b[6] === 0 && b[7] === 0 && b[8] === 0x7b && b[9] === 0x22],
  ['an ELF binary', (b) => b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46],
  ['a text or JSON file', (b) => /^\s*[[{<#"a-zA-Z]/.test(String.fromCharCode(...b.subarray(0, 8))) && isText(b)],
];

function isText(b: Uint8Array): boolean {
  return b.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc2);
}

/** Tells "not an ONNX model at all" (not-onnx) from "an ONNX model that is broken" (bad-model). */
function checkLooksLikeModel(path: string, head: Uint8Array, size: number): void {
  const notOnnx = (what: string) =>
    new DecoderLensError('not-onnx', `${path} is not an ONNX model: ${what}. Pick an exported .onnx file.`, path);
  if (size === 0) throw notOnnx('the file is empty');
  for (const [what, test] of MAGIC) if (test(head)) throw notOnnx(`it looks like ${what}`);
  // A ModelProto starts with one of its own fields (exporters write ir_version first).
  let ok = false;
  try {
    const f = readField(head, 0, head.length, 0, size);
    ok = MODEL_FIELDS[f.no] === f.wire;
  } catch {
    ok = false;
  }
  if (!ok) throw notOnnx('its first bytes are not a ModelProto field');
}

function finish(path: string, size: number, draft: ModelDraft): ModelInfo {
  if (!draft.graph) {
    throw new DecoderLensError('not-onnx', `${path} is not an ONNX model: it holds no graph. Pick an exported .onnx file.`, path);
  }
  const files = new Set<string>();
  collectExternal(draft.graph, files);
  const { recognised: _r, graph, ...rest } = draft;
  return { path, ...rest, graph, externalDataFiles: [...files], byteLength: size };
}

function collectExternal(g: GraphInfo, into: Set<string>): void {
  for (const t of g.initializers) if (t.external) into.add(t.external.location);
  for (const n of g.nodes) for (const sg of Object.values(n.subgraphs)) collectExternal(sg, into);
}
