// External data: a session created from the tapped bytes has no file path, so ONNX Runtime is told the model's
// folder (the session config entry `session.model_external_initializers_file_folder_path`) and reads (or maps)
// the `*.onnx_data` files itself — nothing is copied into JS memory, nothing is written anywhere.
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { DecoderLensError } from '../errors';

/**
 * Checks that every external data file the model names is a file inside the model's folder (ONNX Runtime
 * refuses others too, less clearly) and returns that folder (the session option is set in decode/sessionCache.ts).
 */
export async function externalDataFolder(modelPath: string, locations: string[]): Promise<string> {
  const dir = dirname(modelPath);
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
    const isFile = await stat(file).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!isFile) {
      throw new DecoderLensError(
        'not-found',
        `${modelPath} keeps its weights in "${location}", which is missing from ${dir}. Copy it next to the model.`,
        file,
      );
    }
  }
  return dir;
}
