/**
 * Small hand-made tokenizer.json objects in the Hugging Face format, one per family the offsets code must know.
 * Vocabularies are tiny but complete enough that ids, unknowns and byte fallback all occur.
 */
import { BYTE_TO_CHAR } from '../../../src/core/tokenizer/bytes';

const added = (id: number, content: string, special = true, extra: object = {}) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special,
  ...extra,
});

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** BERT-style: BertNormalizer (lowercase, accents, Chinese padding), BertPreTokenizer, WordPiece '##', [CLS] … [SEP]. */
export function wordPieceJson(): Record<string, unknown> {
  const pieces = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  pieces.push('hello', 'world', 'the', 'play', '##ing', '##ed', 'cafe', 'line', 'one', 'two');
  pieces.push(...LETTERS, ...[...LETTERS].map((c) => '##' + c), ...'0123456789');
  pieces.push(...'.,!?:;-—\'"()', '你', '好', '世', '界', '東', '京');
  const vocab = Object.fromEntries(pieces.map((p, i) => [p, i]));
  return {
    version: '1.0',
    added_tokens: pieces.slice(0, 5).map((p, i) => added(i, p)),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** Vocabulary + merges for BPE: every merge's result joins the vocabulary. */
function bpe(base: string[], merges: [string, string][]): { vocab: Record<string, number>; merges: [string, string][] } {
  const vocab: Record<string, number> = {};
  for (const p of base) if (!(p in vocab)) vocab[p] = Object.keys(vocab).length;
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = Object.keys(vocab).length;
  return { vocab, merges };
}

const BYTE_PIECES = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);

/** Llama-2 layout: normaliser Prepend '▁' + Replace ' '→'▁', no pre-tokenizer, BPE with byte fallback, <s> first. */
export function llamaJson(): Record<string, unknown> {
  const base = ['<unk>', '<s>', '</s>', ...BYTE_PIECES, '▁', ...LETTERS, ...LETTERS.toUpperCase(), ...'.,!:', '你', '好'];
  const { vocab, merges } = bpe(base, [
    ['h', 'e'],
    ['l', 'l'],
    ['he', 'll'],
    ['hell', 'o'],
    ['▁', 'hello'],
    ['▁', 'H'],
    ['▁H', 'e'],
    ['▁He', 'll'],
    ['▁Hell', 'o'],
    ['▁', 'w'],
    ['o', 'r'],
    ['▁w', 'or'],
    ['l', 'd'],
    ['▁wor', 'ld'],
    ['▁', '▁'],
    ['▁', 't'],
    ['▁t', 'h'],
    ['▁th', 'e'],
    ['你', '好'],
  ]);
  return {
    version: '1.0',
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

/** T5-like: NFKC, WhitespaceSplit + Metaspace pre-tokenizer, Unigram (unknown characters become <unk>), … </s>. */
export function unigramJson(): Record<string, unknown> {
  const pieces: [string, number][] = [
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
    ['▁', -2],
    ['▁hello', -3],
    ['▁world', -3],
    ['▁the', -3],
  ];
  for (const c of LETTERS + LETTERS.toUpperCase() + '.,!:你') pieces.push([c, -6], ['▁' + c, -7]);
  return {
    version: '1.0',
    added_tokens: [added(0, '<pad>'), added(1, '</s>'), added(2, '<unk>')],
    normalizer: { type: 'NFKC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }],
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab: pieces, byte_fallback: false },
  };
}

/** GPT-2 style byte-level BPE with add_prefix_space, an NFKC + Lowercase normaliser and two added tokens. */
export function byteLevelJson(): Record<string, unknown> {
  const { vocab, merges } = bpe(
    [...BYTE_TO_CHAR],
    [
      ['Ġ', 't'],
      ['h', 'e'],
      ['Ġt', 'he'],
      ['l', 'l'],
      ['ll', 'o'],
      ['Ġ', 'Ġ'],
    ],
  );
  const eot = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = eot;
  vocab['<|user|>'] = eot + 1;
  return {
    version: '1.0',
    added_tokens: [added(eot, '<|endoftext|>'), added(eot + 1, '<|user|>', false)],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|endoftext|>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<|endoftext|>': { id: '<|endoftext|>', ids: [eot], tokens: ['<|endoftext|>'] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}
