// `decoder-lens taps --model PATH --json`: what Decoder Lens can capture from each ONNX file of a model.
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { DecoderLensError } from '../core/errors';
import { findModelLayout } from '../core/model/layout';
import { type ImpliedMask, type ModelRole, findTaps, readModel } from '../core/onnx';

export interface TapsFileJson {
  /** Relative to the folder given (e.g. 'decoder_model.onnx', 'onnx/model.onnx'), or the file's name. */
  file: string;
  role: ModelRole;
  attention: {
    tensor: string;
    layer: number;
    kind: 'self' | 'cross';
    heads: number | null;
    mask: string | null;
    id: string;
    maskKind: string | null;
    /** How kind and layer were inferred: 'structure' (data flow), 'scope' (module names), 'order', 'assumed'. */
    inferred: { kind: string; layer: string };
    branch?: string;
    /** Fused ops: the mask their kernel applies inside itself, as their inputs and attributes imply it. */
    implied?: ImpliedMask;
  }[];
  hiddenStates: { tensor: string; layer: number; id: string }[];
  logits: string | null;
  unavailable: { node: string; reason: string }[];
  /** The variant of the folder this file belongs to ('fp32', 'q4', …, or GenAI's file name), when it has a known name. */
  variant?: string;
  /** Set when this file could not be read (the other files are still reported). */
  error?: { code: string; message: string };
}

export interface TapsJson {
  files: TapsFileJson[];
}

/** Every .onnx file of the folder (and its onnx/ subfolder), or with `variant` only that variant's files. */
export async function tapsCommand(modelPath: string, { variant }: { variant?: string } = {}): Promise<TapsJson> {
  const info = await stat(modelPath).catch(() => {
    throw new DecoderLensError(
      'not-found',
      `The model path ${modelPath} does not exist. Give an Optimum model folder or an .onnx file.`,
      modelPath,
    );
  });
  if (info.isFile()) return { files: [await describe(modelPath, basename(modelPath))] };
  const files = variant ? findModelLayout(modelPath, variant).files.map((f) => f.path) : await onnxFiles(modelPath);
  if (files.length === 0) {
    throw new DecoderLensError('not-found', `No .onnx files in ${modelPath} or its onnx/ subfolder.`, modelPath);
  }
  const variantOf = variantNames(modelPath);
  const out: TapsFileJson[] = [];
  for (const file of files) {
    const named = variantOf.has(file) ? { variant: variantOf.get(file) } : {};
    try {
      out.push({ ...(await describe(file, relative(modelPath, file).split('\\').join('/'))), ...named });
    } catch (e) {
      if (!(e instanceof DecoderLensError)) throw e;
      out.push({
        file: relative(modelPath, file).split('\\').join('/'),
        role: 'unknown',
        attention: [],
        hiddenStates: [],
        logits: null,
        unavailable: [],
        ...named,
        error: { code: e.code, message: e.message },
      });
    }
  }
  return { files: out };
}

/** File path → variant name, for the files of the folder's known variants (none when the folder has none). */
function variantNames(dir: string): Map<string, string> {
  try {
    return new Map(findModelLayout(dir).variants.flatMap((v) => v.files.map((f) => [f.path, v.name] as const)));
  } catch (error) {
    if (error instanceof DecoderLensError) return new Map();
    throw error;
  }
}

async function onnxFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const d of [dir, join(dir, 'onnx')]) {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isFile() && e.name.toLowerCase().endsWith('.onnx')) found.push(join(d, e.name));
  }
  return found.sort();
}

async function describe(path: string, file: string): Promise<TapsFileJson> {
  const report = findTaps(await readModel(path));
  return {
    file,
    role: report.role,
    attention: report.attention.map((a) => ({
      tensor: a.tensor,
      layer: a.layer,
      kind: a.kind,
      heads: a.heads,
      mask: a.mask,
      id: a.id,
      maskKind: a.maskKind,
      inferred: a.inferred,
      ...(a.implied ? { implied: a.implied } : {}),
      ...(a.branchPath
        ? { branch: a.sites.map((s) => s.branchPath.map((b) => `${b.node || b.opType}.${b.attribute}`).join('/')).join(' | ') }
        : {}),
    })),
    hiddenStates: report.hiddenStates.map((h) => ({ tensor: h.tensor, layer: h.layer, id: h.id })),
    logits: report.logits,
    unavailable: report.unavailable,
  };
}
