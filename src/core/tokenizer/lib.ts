/**
 * The parts of @huggingface/tokenizers 0.2.0 we drive directly. The package is ESM-typed with a CommonJS build,
 * so it is required at run time and typed through an import-mode type import. The pipeline internals (splitters,
 * added-token map) are not public API: they are read here only, so a version bump touches one file.
 */
import type { Tokenizer } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };

type Lib = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require('@huggingface/tokenizers') as Lib;

export type HfTokenizer = Tokenizer;

/** A normaliser instance: its JSON config, its whole-string function, and a Sequence's children / a Replace's pattern. */
export interface HfNormalizer {
  config: { type?: string; [key: string]: unknown };
  normalize(text: string): string;
  normalizers?: (HfNormalizer | null)[];
  pattern?: RegExp | null;
}

export interface HfAddedToken {
  content: string;
  id: number;
  lstrip: boolean;
  rstrip: boolean;
  special: boolean;
}

export interface HfModel {
  vocab: string[];
  tokens_to_ids: Map<string, number>;
  unk_token?: string;
  unk_token_id?: number;
  fuse_unk: boolean;
  config: { type?: string; byte_fallback?: boolean; continuing_subword_prefix?: string; [key: string]: unknown };
  end_of_word_suffix?: string;
  continuing_subword_suffix?: string | null;
  /** Tokenises pre-tokens without fusing unknowns (the library fuses after). */
  encode(pretokens: string[]): string[];
}

/** What Tokenizer.encode_text uses, in the order it uses it. */
export interface HfInternals {
  normalizer: HfNormalizer | null;
  pre_tokenizer: ((text: string, options?: { section_index?: number }) => string[]) | null;
  model: HfModel;
  post_processor: ((tokens: string[], pair: null, addSpecial: boolean) => { tokens: string[] }) | null;
  splitter_unnormalized: { split(text: string): string[] };
  splitter_normalized: { split(text: string): string[] };
  added_tokens_map: Map<string, HfAddedToken>;
  added_tokens: HfAddedToken[];
  remove_space?: boolean;
  do_lowercase_and_remove_accent: boolean;
}

/** Builds the library tokenizer; keys the library requires but a file may omit default to null. */
export function createHfTokenizer(json: Record<string, unknown>, config: Record<string, unknown>): HfTokenizer {
  const full: Record<string, unknown> = { ...json, added_tokens: json.added_tokens ?? [] };
  for (const key of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) full[key] = json[key] ?? null;
  return new lib.Tokenizer(full, config);
}

export const internalsOf = (t: HfTokenizer): HfInternals => t as unknown as HfInternals;
