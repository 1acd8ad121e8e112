/**
 * The runtime benchmarks' model: GPT-2-small-shaped (12 layers, 12 heads, 768 wide, 3072 MLP, random weights),
 * one ONNX file with past_key_values inputs — the layout transformers.js reads as onnx/model.onnx — generated
 * by the graph benchmark's streaming writer and cached in the OS temp folder.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) if (existsSync(join(tokenizerDir, f))) copyFileSync(join(tokenizerDir, f), join(dir, f));
  // transformers.js needs a tokenizer_config.json; the shared RoBERTa folder has only tokenizer.json.
  if (!existsSync(join(tokenizerDir, 'tokenizer_config.json'))) writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizer' }));
  // Random weights: an eos the model never prefers keeps generations the same length everywhere.
  const eos = spec.vocab - 1;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: spec.vocab, n_layer: spec.layers, n_head: spec.heads, n_embd: spec.hidden, n_positions: 1024, bos_token_id: 0, eos_token_id: eos, use_cache: true }));
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 0, eos_token_id: eos, max_new_tokens: 64 }));
  return dir;
}
