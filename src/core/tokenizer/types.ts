/** One token of an encoded text, with where it sits in that text. */
export interface EncodedToken {
  id: number;
  /** The vocabulary string, e.g. 'Ġthe', '▁the', '##ing' or '<0xE4>'. */
  piece: string;
  /**
   * This token's own text as a person reads it (after the normaliser, e.g. lowercased): the characters it holds
   * whole, so '' for a byte fragment. Prefix spaces the tokenizer inserted are not part of it.
   */
  text: string;
  /** UTF-16 code-unit offsets into the encoded text (VS Code's counting); null for special tokens. */
  start: number | null;
  end: number | null;
  special: boolean;
  /** True when the token holds only part of a character's UTF-8 bytes; start/end then cover the whole character. */
  partial: boolean;
}

export interface EncodeOptions {
  /** Add the post-processor's special tokens (bos/eos, [CLS]/[SEP]); default true, as the model was trained. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
}
