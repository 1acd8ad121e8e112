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
import { writeGptModel } from '../graph/big-model';
import type { GptSpec } from '../graph/gpt-graph';

export const GPT2_SMALL: GptSpec = { layers: 12, hidden: 768, heads: 12, vocab: 50265, ffn: 3072, past: true, valueInfo: true };

/**
 * The bench model folder: onnx/model.onnx, config.json, generation_config.json and a tokenizer.json (the real
 * RoBERTa byte-level BPE from ../shared when present, else the fixture tokenizer).
 */
export function ensureGpt2Folder(tokenizerDir: string, log: (line: string) => void, spec = GPT2_SMALL): string {
  const dir = join(tmpdir(), 'decoder-lens-bench', `gpt2-${spec.layers}x${spec.heads}x${spec.hidden}-v2`);
  writeGptModel(spec, join(dir, 'onnx', 'model.onnx'), log);
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
      n_positions: 1024,
      bos_token_id: 0,
      eos_token_id: eos,
      use_cache: true,
    }),
  );
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 0, eos_token_id: eos, max_new_tokens: 64 }));
  return dir;
}

/**
 * The runtime benchmarks' shared start: the bench model (tokenizer from ../shared when present, else the
 * fixture's) opened, and a prompt of exactly `tokens` tokens — repeated text cut to that many ids and decoded
 * back to the text that tokenizes to them.
 */
export async function openBenchModel(
  tokens: number,
  log: (line: string) => void,
): Promise<{ dir: string; model: OpenedModel; ids: number[]; text: string }> {
  const shared = join(sharedDataDir, 'tokenizers', 'roberta-bytelevel-bpe');
  const tokenizerDir = existsSync(join(shared, 'tokenizer.json')) ? shared : fixture('tiny-gpt');
  log(`generating/reusing the GPT-2-small-shaped bench model (tokenizer from ${tokenizerDir})…`);
  const dir = ensureGpt2Folder(tokenizerDir, log);
  const model = await openModel(dir);
  const words = 'The quick brown fox jumps over the lazy dog while the decoder watches every token. ';
  const ids = model.tokenizer
    .encode(words.repeat(60), { addSpecialTokens: false })
    .slice(0, tokens)
    .map((t) => t.id);
  return { dir, model, ids, text: model.tokenizer.decode(ids) };
}
