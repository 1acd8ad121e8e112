import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecoderLensError } from '../errors';

/** What decoding needs from config.json, generation_config.json and tokenizer_config.json. */
export interface ModelConfig {
  modelType: string | undefined;
  layers: number | undefined;
  heads: number | undefined;
  hiddenSize: number | undefined;
  /** Positions the model can take (max_position_embeddings / n_positions), when the config says. */
  maxPositions: number | undefined;
  bosId: number | null;
  eosIds: number[];
  padId: number | null;
  decoderStartId: number | null;
  maxNewTokens: number | undefined;
}

type Json = Record<string, unknown>;

export function readJsonIfPresent(file: string): Json | undefined {
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DecoderLensError('bad-model', `Could not read ${file}: ${(error as Error).message}`, file);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  } catch (error) {
    throw new DecoderLensError('bad-model', `${file} is not valid JSON (${(error as Error).message}). Fix or remove it.`, file);
  }
  throw new DecoderLensError('bad-model', `${file} should hold a JSON object.`, file);
}

export function readModelConfig(dir: string): ModelConfig {
  const config = readJsonIfPresent(join(dir, 'config.json')) ?? {};
  const generation = readJsonIfPresent(join(dir, 'generation_config.json')) ?? {};
  const pick = (key: string): unknown => generation[key] ?? config[key];
  const decoderConfig = (config.decoder ?? {}) as Json;
  return {
    modelType: typeof config.model_type === 'string' ? config.model_type : undefined,
    layers:
      firstNumber(config, ['num_hidden_layers', 'n_layer', 'num_layers', 'decoder_layers']) ??
      firstNumber(decoderConfig, ['num_hidden_layers', 'num_layers']),
    heads:
      firstNumber(config, ['num_attention_heads', 'n_head', 'num_heads', 'decoder_attention_heads']) ??
      firstNumber(decoderConfig, ['num_attention_heads']),
    hiddenSize: firstNumber(config, ['hidden_size', 'n_embd', 'd_model']),
    maxPositions: firstNumber(config, ['max_position_embeddings', 'n_positions', 'n_ctx']),
    bosId: asId(pick('bos_token_id')),
    eosIds: asIds(pick('eos_token_id')),
    padId: asId(pick('pad_token_id')),
    decoderStartId: asId(pick('decoder_start_token_id')),
    maxNewTokens: firstNumber(generation, ['max_new_tokens']),
  };
}

function firstNumber(object: Json, keys: string[]): number | undefined {
  for (const key of keys) if (typeof object[key] === 'number') return object[key] as number;
  return undefined;
}

function asId(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (Array.isArray(value)) return asId(value[0]);
  return null;
}

function asIds(value: unknown): number[] {
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  const one = asId(value);
  return one === null ? [] : [one];
}
