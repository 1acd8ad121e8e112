// External data: ONNX Runtime cannot resolve a model's `*.onnx_data` files when the model is given as bytes, so
// they are handed over in memory (`externalData: [{ path, data }]`). Nothing is ever written beside the model.
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { DecoderLensError } from '../errors';

/** The external data files a model names, read into memory, keyed as the model writes them. */
export async function loadExternalData(modelPath: string, locations: string[]): Promise<{ path: string; data: Uint8Array }[]> {
  const dir = dirname(modelPath);
  const out: { path: string; data: Uint8Array }[] = [];
  for (const location of locations) {
    const rel = normalize(location);
    if (!location || isAbsolute(location) || rel === '..' || rel.startsWith(`..${sep}`)) {
      throw new DecoderLensError(
        'bad-model',
        `${modelPath} names external data at "${location}", outside the model's folder; Decoder Lens only reads data files beside the model.`,
        modelPath,
      );
    }
    const file = join(dir, rel);
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      out.push({ path: location, data: await readFile(file) });
    } catch {
      throw new DecoderLensError(
        'not-found',
        `${modelPath} keeps its weights in "${location}", which is missing from ${dir}. Copy it next to the model.`,
        file,
      );
    }
  }
  return out;
}
