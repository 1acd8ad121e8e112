export { loadTokenizer } from './load';
export { TextTokenizer } from './tokenizer';
export type { DecodeOptions, EncodedToken, EncodeOptions } from './types';
