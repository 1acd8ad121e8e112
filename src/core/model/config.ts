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
  /** Set for an ONNX Runtime GenAI folder: the names and settings its genai_config.json gives. */
  genai?: GenAiSettings;
}

/** What genai_config.json says about feeding the decoder. Name templates hold %d for the layer. */
export interface GenAiSettings {
  file: string;
  inputs: {
    inputIds: string;
    attentionMask: string | null;
    positionIds: string | null;
    pastKey: string;
    pastValue: string;
  };
  outputs: { logits: string; presentKey: string; presentValue: string };
  contextLength: number | undefined;
  /** Past and present share one preallocated buffer of search.max_length positions. */
  pastPresentShareBuffer: boolean;
  maxLength: number | undefined;
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
  const genaiFile = join(dir, 'genai_config.json');
  const genaiJson = readJsonIfPresent(genaiFile);
  const genaiModel = (genaiJson?.model ?? {}) as Json;
  const config = readJsonIfPresent(join(dir, 'config.json')) ?? (genaiJson ? genaiModelAsConfig(genaiModel) : {});
  const generation = readJsonIfPresent(join(dir, 'generation_config.json')) ?? {};
  const pick = (key: string): unknown => generation[key] ?? config[key] ?? genaiModel[key];
  const decoderConfig = (config.decoder ?? {}) as Json;
  return {
    ...(genaiJson ? { genai: genaiSettings(genaiJson, genaiFile) } : {}),
    modelType: typeof config.model_type === 'string' ? config.model_type : undefined,
    layers:
      firstNumber(config, ['num_hidden_layers', 'n_layer', 'num_layers', 'decoder_layers']) ??
      firstNumber(decoderConfig, ['num_hidden_layers', 'num_layers']),
    heads:
      firstNumber(config, ['num_attention_heads', 'n_head', 'num_heads', 'decoder_attention_heads']) ??
      firstNumber(decoderConfig, ['num_attention_heads']),
    hiddenSize: firstNumber(config, ['hidden_size', 'n_embd', 'd_model']),
    maxPositions: firstNumber(config, ['max_position_embeddings', 'n_positions', 'n_ctx']) ?? firstNumber(genaiModel, ['context_length']),
    bosId: asId(pick('bos_token_id')),
    eosIds: asIds(pick('eos_token_id')),
    padId: asId(pick('pad_token_id')),
    decoderStartId: asId(pick('decoder_start_token_id')),
    maxNewTokens: firstNumber(generation, ['max_new_tokens']),
  };
}

/** GenAI folders often have no config.json: the sizes come from genai_config.json's model.decoder. */
function genaiModelAsConfig(model: Json): Json {
  const decoder = (model.decoder ?? {}) as Json;
  return {
    model_type: model.type,
    num_hidden_layers: decoder.num_hidden_layers,
    num_attention_heads: decoder.num_attention_heads,
    hidden_size: decoder.hidden_size,
    max_position_embeddings: model.context_length,
  };
}

function genaiSettings(json: Json, file: string): GenAiSettings {
  const model = (json.model ?? {}) as Json;
  const decoder = (model.decoder ?? {}) as Json;
  const inputs = (decoder.inputs ?? {}) as Json;
  const outputs = (decoder.outputs ?? {}) as Json;
  const search = (json.search ?? {}) as Json;
  const name = (object: Json, key: string, fallback: string | null): string | null =>
    typeof object[key] === 'string' ? (object[key] as string) : fallback;
  const template = (object: Json, key: string, fallback: string): string => {
    const value = name(object, key, fallback)!;
    if (!value.includes('%d'))
      throw new DecoderLensError('bad-model', `${file}: model.decoder.${key} "${value}" has no %d for the layer number.`, file);
    return value;
  };
  return {
    file: typeof decoder.filename === 'string' ? decoder.filename : 'model.onnx',
    inputs: {
      inputIds: name(inputs, 'input_ids', 'input_ids')!,
      attentionMask: name(inputs, 'attention_mask', null),
      positionIds: name(inputs, 'position_ids', null),
      pastKey: template(inputs, 'past_key_names', 'past_key_values.%d.key'),
      pastValue: template(inputs, 'past_value_names', 'past_key_values.%d.value'),
    },
    outputs: {
      logits: name(outputs, 'logits', 'logits')!,
      presentKey: template(outputs, 'present_key_names', 'present.%d.key'),
      presentValue: template(outputs, 'present_value_names', 'present.%d.value'),
    },
    contextLength: firstNumber(model, ['context_length']),
    pastPresentShareBuffer: search.past_present_share_buffer === true,
    maxLength: firstNumber(search, ['max_length']),
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
