import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DecoderLensError } from '../errors';
import { TextTokenizer } from './tokenizer';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** tokenizer.json for a model folder: in it, or beside an Optimum `onnx/` subfolder; a path to the file itself works too. */
async function findTokenizerJson(dir: string): Promise<string> {
  if (dir.endsWith('.json') && (await isFile(dir))) return dir;
  let info;
  try {
    info = await stat(dir);
  } catch {
    throw new DecoderLensError('not-found', `Model folder not found: ${dir}. Check the path.`, dir);
  }
  if (!info.isDirectory()) {
    throw new DecoderLensError(
      'not-found',
      `${dir} is not a folder. Point Decoder Lens at the model folder that holds tokenizer.json.`,
      dir,
    );
  }
  const here = join(dir, 'tokenizer.json');
  if (await isFile(here)) return here;
  const parent = join(dirname(dir), 'tokenizer.json');
  if (basename(dir) === 'onnx' && (await isFile(parent))) return parent;
  throw new DecoderLensError(
    'not-found',
    `No tokenizer.json in ${dir}. Decoder Lens needs the Hugging Face fast-tokenizer file beside the model: ` +
      'save it with AutoTokenizer.from_pretrained(...).save_pretrained(folder), or copy tokenizer.json from the model repository.',
    here,
  );
}

async function readJson(file: string): Promise<object> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DecoderLensError('bad-model', `Could not read ${file} (${why}). Check that the file is readable.`, file);
  }
  if (text.startsWith('version https://git-lfs')) {
    throw new DecoderLensError(
      'bad-model',
      `${file} is a Git LFS pointer, not the file itself. Run \`git lfs pull\` in the model repository.`,
      file,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DecoderLensError('bad-model', `${file} is not valid JSON (${why}). It may be truncated: download it again.`, file);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new DecoderLensError('bad-model', `${file} does not hold a JSON object. Download it again.`, file);
  }
  return value;
}

/** Loads tokenizer.json (required) and tokenizer_config.json (optional, beside it) from a model folder. */
export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  const file = await findTokenizerJson(dir);
  const json = await readJson(file);
  const configFile = join(dirname(file), 'tokenizer_config.json');
  const config = (await isFile(configFile)) ? await readJson(configFile) : undefined;
  return TextTokenizer.fromJson(json, config, file);
}
