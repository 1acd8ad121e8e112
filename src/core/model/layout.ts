import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DecoderLensError } from '../errors';
import { readJsonIfPresent } from './config';
import { type FileRole, type ModelFile, type ModelVariant, listVariantsIn, parseVariantFileName, selectVariant } from './variants';

export type { FileRole, ModelFile, ModelVariant };

/** Where a model's files are: one variant's files in the folder or its onnx/ subfolder, or one .onnx file. */
export interface ModelLayout {
  /** The folder holding config.json / tokenizer.json (the one the user chose, the folder above onnx/, or the .onnx file's folder). */
  dir: string;
  /** The files that decode: the chosen variant's. */
  files: ModelFile[];
  architecture: 'decoder-only' | 'encoder-decoder';
  /** The variant these files are: name ('fp32', 'q4', …, or GenAI's file name) and dtype. */
  variant: { name: string; dtype: string | null };
  /** Every variant of the folder (only the chosen one when a single file was given). */
  variants: ModelVariant[];
}

const MODEL_FILES = 'decoder_model.onnx, decoder_with_past_model.onnx, decoder_model_merged.onnx, model.onnx or encoder_model.onnx';

/**
 * The model at `path` — a folder (Optimum, transformers.js with onnx/, or ONNX Runtime GenAI), its onnx/ subfolder,
 * or one .onnx file — with the files of the variant `variant` names ('' = the default, see selectVariant).
 */
export function findModelLayout(path: string, variant = ''): ModelLayout {
  if (!existsSync(path)) {
    throw new DecoderLensError(
      'not-found',
      `The model path ${path} does not exist. Choose a model folder (with decoder_model.onnx or model.onnx) or an .onnx file.`,
      path,
    );
  }
  if (statSync(path).isFile()) return singleFile(path);
  const onnxDir = join(path, 'onnx');
  const inOnnx = isDir(onnxDir) ? listVariantsIn(onnxDir, path) : [];
  const here = listVariantsIn(path);
  // transformers.js keeps the models in onnx/ and the tokenizer one level up; given onnx/ itself, look up there.
  const dir = isOnnxSubfolder(path) ? dirname(path) : path;
  const variants = here.length > 0 ? here : inOnnx;
  if (variants.length === 0) {
    throw new DecoderLensError(
      'not-found',
      `No ONNX model in ${path}: expected ${MODEL_FILES} (in the folder or its onnx/ subfolder), or a genai_config.json.`,
      path,
    );
  }
  const chosen = selectVariant(variants, variant, preferredDtype(dir), path);
  return fromVariant(dir, chosen, variants);
}

function singleFile(path: string): ModelLayout {
  if (!path.toLowerCase().endsWith('.onnx')) {
    throw new DecoderLensError('not-onnx', `${path} is not an .onnx file. Choose an ONNX model file or a model folder.`, path);
  }
  const parsed = parseVariantFileName(path);
  const folder = dirname(path);
  const dir = isOnnxSubfolder(folder) ? dirname(folder) : folder;
  // A lone encoder file cannot decode: pair it with the decoder of its variant when the folder has one.
  if (parsed?.role === 'encoder') {
    const variants = listVariantsIn(folder);
    const mine = variants.find((v) => v.files.some((f) => f.path === path));
    if (mine) return fromVariant(dir, mine, variants);
  }
  const file: ModelFile = { role: parsed?.role ?? 'model', path };
  const name = parsed && parsed.suffix !== 'fp32' ? parsed.suffix : basename(path);
  const one: ModelVariant = { name, dtype: null, files: [file], bytes: statSync(path).size, source: 'files' };
  return fromVariant(dir, one, [one]);
}

function fromVariant(dir: string, variant: ModelVariant, variants: ModelVariant[]): ModelLayout {
  return {
    dir,
    files: variant.files,
    architecture: variant.files.some((f) => f.role === 'encoder') ? 'encoder-decoder' : 'decoder-only',
    variant: { name: variant.name, dtype: variant.dtype },
    variants,
  };
}

/** An onnx/ folder without its own tokenizer or config, below a folder that has them. */
function isOnnxSubfolder(dir: string): boolean {
  if (basename(dir) !== 'onnx') return false;
  const has = (d: string) => ['config.json', 'tokenizer.json', 'genai_config.json'].some((f) => existsSync(join(d, f)));
  return !has(dir) && has(dirname(dir));
}

/** transformers.js_config.dtype: a string, or per file ({ "model": "q4" } / { "decoder_model_merged": "q4", … }). */
function preferredDtype(dir: string): string | null {
  const config = readJsonIfPresent(join(dir, 'config.json'));
  const dtype = (config?.['transformers.js_config'] as Record<string, unknown> | undefined)?.dtype;
  if (typeof dtype === 'string') return dtype === 'q8' ? 'quantized' : dtype;
  if (dtype && typeof dtype === 'object') {
    const values = Object.entries(dtype as Record<string, unknown>);
    const pick = values.find(([k]) => k === 'model' || k === 'decoder_model_merged') ?? values[0];
    if (pick && typeof pick[1] === 'string') return pick[1] === 'q8' ? 'quantized' : pick[1];
  }
  return null;
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
