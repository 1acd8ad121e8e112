import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DecoderLensError } from '../errors';
import { readModelConfig, type ModelConfig } from '../model/config';
import { findModelLayout, type ModelLayout } from '../model/layout';
import { loadTokenizer, type TextTokenizer } from '../tokenizer';

/** A model folder ready to decode: its files, its config and its tokenizer. */
export interface OpenedModel {
  path: string;
  layout: ModelLayout;
  config: ModelConfig;
  tokenizer: TextTokenizer;
}

/** `variant`: which files of the folder ('' = the default; see model/variants.ts selectVariant). */
export async function openModel(path: string, variant = ''): Promise<OpenedModel> {
  const layout = findModelLayout(path, variant);
  const tokenizerFile = join(layout.dir, 'tokenizer.json');
  if (!existsSync(tokenizerFile)) {
    throw new DecoderLensError(
      'not-found',
      `No tokenizer.json beside the model in ${layout.dir}. Export it with the model (Optimum writes it; or save the tokenizer with tokenizer.save_pretrained).`,
      tokenizerFile,
    );
  }
  const [config, tokenizer] = [readModelConfig(layout.dir), await loadTokenizer(layout.dir)];
  return { path, layout, config, tokenizer };
}

/** The ids that end generation: eos from generation_config/config, else the tokenizer's. */
export function stopIds(model: OpenedModel): Set<number> {
  const ids = new Set(model.config.eosIds);
  if (ids.size === 0 && model.tokenizer.eosId !== null) ids.add(model.tokenizer.eosId);
  return ids;
}
