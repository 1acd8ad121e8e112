/**
 * The runtime benchmarks' model: GPT-2-small-shaped (12 layers, 12 heads, 768 wide, 3072 MLP, random weights),
 * one ONNX file with past_key_values inputs — the layout transformers.js reads as onnx/model.onnx — generated
 * by the graph benchmark's streaming writer and cached in the OS temp folder.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel, type OpenedModel } from '../../src/core/decode';
import { fixture, sharedDataDir } from '../../test/unit/paths';
import { writeGraphModel } from '../graph/bigModel';
import { gptGraph, type GptSpec } from '../graph/gptGraph';
import { mergedGptParts } from '../graph/gptModel';

export const GPT2_SMALL: GptSpec = { layers: 12, hidden: 768, heads: 12, vocab: 50265, ffn: 3072, past: true, valueInfo: true };

/** How the model's files are laid out, as the exporters write them. */
export type BenchLayout =
  /** transformers.js / Optimum ≥ 1.14: onnx/model.onnx with past inputs. */
  | 'single'
  /** Optimum's merged decoder: decoder_model_merged.onnx, one If on use_cache_branch. */
  | 'merged'
  /** Optimum's older split: decoder_model.onnx (no past) + decoder_with_past_model.onnx. */
  | 'split';

export interface FolderOptions {
  spec?: GptSpec;
  layout?: BenchLayout;
  /** Weights in onnx/model.onnx_data (single layout only). */
  externalData?: boolean;
  /** max_position_embeddings in config.json. */
  positions?: number;
  /** Parent folder (default: the OS temp folder). */
  root?: string;
}

/** The folder a bench model of these options lives in (generated or not). */
export function benchFolder(o: FolderOptions = {}): string {
  const spec = o.spec ?? GPT2_SMALL;
  const layout = o.layout ?? 'single';
  const tag = layout === 'single' ? (o.externalData ? '-external' : '') : `-${layout}`;
  return join(o.root ?? tmpdir(), 'decoder-lens-bench', `gpt2-${spec.layers}x${spec.heads}x${spec.hidden}${tag}-v2`);
}

/**
 * The bench model folder: the ONNX file(s) of the layout, config.json, generation_config.json and a
 * tokenizer.json (the real RoBERTa byte-level BPE from ../shared when present, else the fixture tokenizer).
 */
export function ensureGpt2Folder(tokenizerDir: string, log: (line: string) => void, o: FolderOptions = {}): string {
  const spec = o.spec ?? GPT2_SMALL;
  const dir = benchFolder(o);
  const what = `${spec.layers} layers, ${spec.heads} heads, d=${spec.hidden}`;
  switch (o.layout ?? 'single') {
    case 'single':
      writeGraphModel(() => gptGraph({ ...spec, past: true }), join(dir, 'onnx', 'model.onnx'), log, what, {
        externalData: o.externalData,
      });
      break;
    case 'merged':
      writeGraphModel(() => mergedGptParts(spec), join(dir, 'decoder_model_merged.onnx'), log, `${what}, merged If`);
      break;
    case 'split':
      writeGraphModel(() => gptGraph({ ...spec, past: false }), join(dir, 'decoder_model.onnx'), log, `${what}, no past`);
      writeGraphModel(() => gptGraph({ ...spec, past: true }), join(dir, 'decoder_with_past_model.onnx'), log, `${what}, with past`);
      break;
  }
  for (const f of ['tokenizer.json', 'tokenizer_config.json'])
    if (existsSync(join(tokenizerDir, f))) copyFileSync(join(tokenizerDir, f), join(dir, f));
  // transformers.js needs a tokenizer_config.json; the shared RoBERTa folder has only tokenizer.json.
  if (!existsSync(join(tokenizerDir, 'tokenizer_config.json')))
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizer' }));
  // Random weights: an eos the model never prefers keeps generations the same length everywhere.
  const eos = spec.vocab - 1;
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: spec.vocab,
      n_layer: spec.layers,
      n_head: spec.heads,
      n_embd: spec.hidden,
      n_positions: o.positions ?? 1024,
      bos_token_id: 0,
      eos_token_id: eos,
      use_cache: true,
    }),
  );
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 0, eos_token_id: eos, max_new_tokens: 64 }));
  return dir;
}

/** The tokenizer the bench models get: the shared RoBERTa BPE when present (DECODER_LENS_SHARED_DATA overrides where), else the fixture's. */
export function benchTokenizerDir(): string {
  const data = process.env.DECODER_LENS_SHARED_DATA ?? sharedDataDir;
  const shared = join(data, 'tokenizers', 'roberta-bytelevel-bpe');
  return existsSync(join(shared, 'tokenizer.json')) ? shared : fixture('tiny-gpt');
}

/** `tokens` token ids of repeated English text and the text that tokenizes to them (without special tokens). */
export function benchPrompt(model: OpenedModel, tokens: number): { ids: number[]; text: string } {
  const words = 'The quick brown fox jumps over the lazy dog while the decoder watches every token. ';
  const encoded = model.tokenizer.encode(words.repeat(Math.ceil(tokens / 10) + 10), { addSpecialTokens: false }).map((t) => t.id);
  if (encoded.length < tokens) throw new Error(`the bench prompt has only ${encoded.length} tokens, ${tokens} asked for`);
  const ids = encoded.slice(0, tokens);
  return { ids, text: model.tokenizer.decode(ids) };
}

/**
 * The runtime benchmarks' shared start: the bench model (tokenizer from ../shared when present, else the
 * fixture's) opened, and a prompt of exactly `tokens` tokens — repeated text cut to that many ids and decoded
 * back to the text that tokenizes to them.
 */
export async function openBenchModel(
  tokens: number,
  log: (line: string) => void,
  o: FolderOptions = {},
): Promise<{ dir: string; model: OpenedModel; ids: number[]; text: string }> {
  const tokenizerDir = benchTokenizerDir();
  log(`generating/reusing the bench model ${benchFolder(o)} (tokenizer from ${tokenizerDir})…`);
  const dir = ensureGpt2Folder(tokenizerDir, log, o);
  const model = await openModel(dir);
  return { dir, model, ...benchPrompt(model, tokens) };
}
