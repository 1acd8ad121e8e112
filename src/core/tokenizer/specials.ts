/** Special tokens as tokenizer_config.json names them ("<s>" or {"content": "<s>", ...}). */

export function tokenContent(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  return null;
}

const TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token'];

/** The config as the library expects it: token entries as plain strings (its Unigram model reads eos_token). */
export function libraryConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const key of TOKEN_KEYS) {
    if (key in out) {
      const content = tokenContent(out[key]);
      if (content === null) delete out[key];
      else out[key] = content;
    }
  }
  if (Array.isArray(out.additional_special_tokens)) {
    out.additional_special_tokens = out.additional_special_tokens.map(tokenContent).filter((t) => t !== null);
  }
  return out;
}

/** The special ids a decoder needs, looked up in the vocabulary (added tokens included); null when not named or absent. */
export interface SpecialIds {
  bosId: number | null;
  eosId: number | null;
  padId: number | null;
  unkId: number | null;
}

export function specialIds(
  config: Record<string, unknown>,
  lookup: (piece: string) => number | null,
  modelUnk: string | undefined,
): SpecialIds {
  const id = (key: string, fallback?: string) => {
    const content = tokenContent(config[key]) ?? fallback ?? null;
    return content === null ? null : lookup(content);
  };
  return { bosId: id('bos_token'), eosId: id('eos_token'), padId: id('pad_token'), unkId: id('unk_token', modelUnk) };
}
