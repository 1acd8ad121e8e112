// The variants of one model folder: transformers.js / Optimum files by suffix (model.onnx, model_fp16.onnx,
// model_q4.onnx, encoder_model_quantized.onnx + decoder_model_merged_quantized.onnx, …) and the file an ONNX
// Runtime GenAI genai_config.json names. Each variant is a complete set of files that decode together.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DecoderLensError } from '../errors';
import { readJsonIfPresent } from './config';

export type FileRole = 'decoder' | 'decoder-with-past' | 'decoder-merged' | 'encoder' | 'model';

export interface ModelFile {
  role: FileRole;
  path: string;
}

export interface ModelVariant {
  /** The transformers.js dtype suffix ('fp32' for none: model.onnx), or the file name GenAI's config names. */
  name: string;
  /** What the weights are, as the name says it (transformers.js' dtypes); null when the name does not tell. */
  dtype: string | null;
  files: ModelFile[];
  /** Bytes on disk: the .onnx files and the external data files beside them. */
  bytes: number;
  /** Where the variant was found. */
  source: 'files' | 'genai_config.json';
}

const BASE_ROLES: Record<string, FileRole> = {
  decoder_model: 'decoder',
  decoder_with_past_model: 'decoder-with-past',
  decoder_model_merged: 'decoder-merged',
  encoder_model: 'encoder',
  model: 'model',
};

/** transformers.js v3 suffixes and what they hold (dtype names as transformers.js writes them). */
export const KNOWN_SUFFIXES: Record<string, string> = {
  fp32: 'fp32',
  fp16: 'fp16',
  q4: 'q4',
  q4f16: 'q4f16',
  quantized: 'q8',
  int8: 'int8',
  uint8: 'uint8',
  bnb4: 'bnb4',
};

const FILE_NAME = /^(decoder_with_past_model|decoder_model_merged|decoder_model|encoder_model|model)(?:_([a-z0-9]+))?\.onnx$/i;

/** `model_q4.onnx` → { role: 'model', suffix: 'q4' }; `model.onnx` → suffix 'fp32'; other names → null. */
export function parseVariantFileName(file: string): { role: FileRole; suffix: string } | null {
  const m = FILE_NAME.exec(basename(file));
  if (!m) return null;
  return { role: BASE_ROLES[m[1].toLowerCase()], suffix: (m[2] ?? 'fp32').toLowerCase() };
}

/** Every variant in `dir` (the folder itself; the caller passes its onnx/ subfolder when the files are there). */
export function listVariantsIn(dir: string, genaiDir: string = dir): ModelVariant[] {
  const names = safeReaddir(dir);
  const bySuffix = new Map<string, ModelFile[]>();
  for (const name of names) {
    const parsed = parseVariantFileName(name);
    if (!parsed || !isFile(join(dir, name))) continue;
    const files = bySuffix.get(parsed.suffix) ?? [];
    files.push({ role: parsed.role, path: join(dir, name) });
    bySuffix.set(parsed.suffix, files);
  }
  const variants: ModelVariant[] = [];
  const genai = genaiVariant(genaiDir);
  for (const [suffix, files] of bySuffix) {
    files.sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
    // GenAI's file may have a transformers.js-like name (model.onnx): it is the GenAI variant only.
    const kept = genai ? files.filter((f) => f.path !== genai.files[0].path) : files;
    if (kept.length === 0) continue;
    variants.push({ name: suffix, dtype: KNOWN_SUFFIXES[suffix] ?? null, files: kept, bytes: sizeOf(kept), source: 'files' });
  }
  if (genai) variants.push(genai);
  return variants.sort((a, b) => variantRank(a) - variantRank(b) || a.name.localeCompare(b.name));
}

const ROLE_ORDER: FileRole[] = ['encoder', 'decoder', 'decoder-with-past', 'decoder-merged', 'model'];
const variantRank = (v: ModelVariant) => {
  const i = Object.keys(KNOWN_SUFFIXES).indexOf(v.name);
  return v.source === 'genai_config.json' ? -1 : i === -1 ? 100 : i;
};

/** The decoder genai_config.json names (model.decoder.filename), as a variant named by that file. */
function genaiVariant(dir: string): ModelVariant | null {
  const config = readJsonIfPresent(join(dir, 'genai_config.json'));
  if (!config) return null;
  const decoder = ((config.model ?? {}) as Record<string, unknown>).decoder as Record<string, unknown> | undefined;
  const filename = decoder?.filename;
  if (typeof filename !== 'string' || !filename) {
    throw new DecoderLensError(
      'bad-model',
      `${join(dir, 'genai_config.json')} names no model.decoder.filename.`,
      join(dir, 'genai_config.json'),
    );
  }
  const path = join(dir, filename);
  if (!isFile(path)) {
    throw new DecoderLensError('not-found', `${join(dir, 'genai_config.json')} names ${filename}, which is not in ${dir}.`, path);
  }
  const files: ModelFile[] = [{ role: 'model', path }];
  return { name: filename, dtype: dtypeFromName(filename), files, bytes: sizeOf(files), source: 'genai_config.json' };
}

/** GenAI file names often say the precision (…-int4-rtn-block-32.onnx, …-fp16.onnx). */
function dtypeFromName(name: string): string | null {
  const m = /(?:^|[-_.])(int4|q4f16|q4|int8|uint8|fp16|fp32|bf16)(?:[-_.]|$)/i.exec(name);
  return m ? m[1].toLowerCase() : null;
}

/**
 * Picks a variant by name: the suffix (fp32, fp16, q4, …), GenAI's file name, or any file of a variant (with or
 * without .onnx). `""` picks the fp32 files where there are any, else what `preferred` names (transformers.js_config
 * dtype), else the GenAI file, else the first.
 */
export function selectVariant(variants: ModelVariant[], name: string, preferred: string | null, where: string): ModelVariant {
  if (variants.length === 0) throw new DecoderLensError('not-found', `No ONNX model in ${where}.`, where);
  const wanted = name.trim().toLowerCase();
  if (!wanted) {
    return (
      variants.find((v) => v.name === 'fp32') ??
      (preferred ? variants.find((v) => v.name === preferred.toLowerCase()) : undefined) ??
      variants.find((v) => v.source === 'genai_config.json') ??
      variants[0]
    );
  }
  const byName = variants.find((v) => v.name.toLowerCase() === wanted || (wanted === 'q8' && v.name === 'quantized'));
  if (byName) return byName;
  const stem = (p: string) =>
    basename(p)
      .toLowerCase()
      .replace(/\.onnx$/, '');
  const byFile = variants.find((v) => v.files.some((f) => stem(f.path) === wanted.replace(/\.onnx$/, '')));
  if (byFile) return byFile;
  throw new DecoderLensError(
    'not-found',
    `No variant "${name}" in ${where}. It has: ${variants.map((v) => describeVariant(v)).join('; ')}.`,
    where,
  );
}

/** `q4 (model_q4.onnx, 0.2 MB)` */
export function describeVariant(v: ModelVariant): string {
  const mb = v.bytes / 2 ** 20;
  return `${v.name} (${v.files.map((f) => basename(f.path)).join(' + ')}, ${mb < 10 ? mb.toFixed(1) : mb.toFixed(0)} MB)`;
}

function sizeOf(files: ModelFile[]): number {
  let total = 0;
  for (const f of files) {
    total += statSync(f.path).size;
    for (const data of externalDataBeside(f.path)) total += statSync(data).size;
  }
  return total;
}

/** The data files a model's name implies: model.onnx_data, model.onnx_data_1, … and model.onnx.data (GenAI). */
function externalDataBeside(file: string): string[] {
  const dir = join(file, '..');
  const name = basename(file);
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:_data(?:_\\d+)?|\\.data)$`);
  return safeReaddir(dir)
    .filter((n) => pattern.test(n))
    .map((n) => join(dir, n));
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}
