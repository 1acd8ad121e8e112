import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DecoderLensError } from '../errors';

export type FileRole = 'decoder' | 'decoder-with-past' | 'decoder-merged' | 'encoder' | 'model';

export interface ModelFile {
  role: FileRole;
  path: string;
}

/** Where a model's files are: the Optimum names in the folder or its onnx/ subfolder, or one .onnx file. */
export interface ModelLayout {
  /** The folder holding config.json / tokenizer.json (the one the user chose, or the .onnx file's folder). */
  dir: string;
  files: ModelFile[];
  architecture: 'decoder-only' | 'encoder-decoder';
}

const OPTIMUM_NAMES: Record<string, FileRole> = {
  'decoder_model.onnx': 'decoder',
  'decoder_with_past_model.onnx': 'decoder-with-past',
  'decoder_model_merged.onnx': 'decoder-merged',
  'encoder_model.onnx': 'encoder',
  'model.onnx': 'model',
};

export function findModelLayout(path: string): ModelLayout {
  if (!existsSync(path)) {
    throw new DecoderLensError(
      'not-found',
      `The model path ${path} does not exist. Choose a model folder (with decoder_model.onnx or model.onnx) or an .onnx file.`,
      path,
    );
  }
  if (statSync(path).isFile()) {
    if (!path.toLowerCase().endsWith('.onnx')) {
      throw new DecoderLensError('not-onnx', `${path} is not an .onnx file. Choose an ONNX model file or a model folder.`, path);
    }
    const role = OPTIMUM_NAMES[basename(path)] ?? 'model';
    const dir = dirname(path);
    // A lone encoder file cannot decode: pair it with its decoder when the folder has one.
    const files = role === 'encoder' ? scanFolder(dir) : [{ role, path }];
    return {
      dir: basename(dir) === 'onnx' && !existsSync(join(dir, 'config.json')) ? dirname(dir) : dir,
      files,
      architecture: architectureOf(files),
    };
  }
  for (const candidate of [path, join(path, 'onnx')]) {
    if (!existsSync(candidate) || !statSync(candidate).isDirectory()) continue;
    const files = scanFolder(candidate);
    if (files.length > 0) return { dir: path, files, architecture: architectureOf(files) };
  }
  throw new DecoderLensError(
    'not-found',
    `No ONNX model in ${path}: expected decoder_model.onnx, decoder_with_past_model.onnx, decoder_model_merged.onnx, model.onnx or encoder_model.onnx (in the folder or its onnx/ subfolder).`,
    path,
  );
}

function scanFolder(dir: string): ModelFile[] {
  const present = new Set(readdirSync(dir));
  return Object.entries(OPTIMUM_NAMES)
    .filter(([name]) => present.has(name))
    .map(([name, role]) => ({ role, path: join(dir, name) }));
}

function architectureOf(files: ModelFile[]): ModelLayout['architecture'] {
  return files.some((f) => f.role === 'encoder') ? 'encoder-decoder' : 'decoder-only';
}
