import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { loadTokenizer, TextTokenizer } from '../../../src/core/tokenizer';
import { byteLevelBytes } from '../../../src/core/tokenizer/bytes';
import { sharedDataDir } from '../paths';
import { assertByteGroups, assertFamily, ODD_TEXTS, TEXTS } from './invariants';

const file = join(sharedDataDir, 'tokenizers', 'roberta-bytelevel-bpe', 'tokenizer.json');
const skip = existsSync(file) ? false : `the real RoBERTa tokenizer is absent (${file}): it is shared data, not part of the repository`;
const wellFormed = (s: string) => s.replace(/\p{Cs}/gu, '\uFFFD');

test('RoBERTa byte-level BPE (real vocabulary): ids equal the library’s, offsets exact, bytes of each span exact', { skip }, async () => {
  const tok = await loadTokenizer(dirname(file));
  assertFamily(tok, JSON.parse(readFileSync(file, 'utf8')), {}, {});
  for (const text of TEXTS) assertByteGroups(text, tok.encode(text), byteLevelBytes);
});

test('RoBERTa: decode(encode(x)) gives x back (lone surrogates become U+FFFD, as UTF-8 requires)', { skip }, async () => {
  const tok = await loadTokenizer(dirname(file));
  for (const text of [...TEXTS, ...ODD_TEXTS]) {
    const ids = tok.encode(text).map((t) => t.id);
    assert.equal(tok.decode(ids), `<s>${wellFormed(text)}</s>`, JSON.stringify(text));
    // Skipping special tokens also drops those written in the text ('<s>' in TEXTS).
    if (!/<\/?s>/.test(text)) assert.equal(tok.decode(ids, { skipSpecialTokens: true }), wellFormed(text), JSON.stringify(text));
  }
});

test('RoBERTa: known tokens, partial pieces of Chinese and emoji, <mask> with lstrip', { skip }, async () => {
  const tok = await loadTokenizer(dirname(file));
  const brief = (text: string) =>
    tok.encode(text).map((t) => (t.special ? t.piece : `${t.piece}@${t.start}-${t.end}${t.partial ? '~' : ''}`));
  assert.deepEqual(brief('Hello world'), ['<s>', 'Hello@0-5', 'Ġworld@5-11', '</s>']);
  assert.deepEqual(
    tok.encode('Hello world').map((t) => t.id),
    [0, 31414, 232, 2],
  );
  assert.deepEqual(brief('你好'), ['<s>', 'ä½@0-1~', 'ł@0-1~', 'å¥@1-2~', '½@1-2~', '</s>']);
  assert.deepEqual(brief('😀!'), ['<s>', 'ðŁĺ@0-2~', 'Ģ@0-2~', '!@2-3', '</s>']);
  // A space plus the first bytes of an emoji: partial, reads ' ', spans both characters.
  const mixed = tok.encode(' 😀', { addSpecialTokens: false }).map((t) => [t.piece, t.start, t.end, t.partial, t.text]);
  assert.deepEqual(mixed, [
    ['ĠðŁĺ', 0, 3, true, ' '],
    ['Ģ', 1, 3, true, ''],
  ]);
  assert.equal(tok.tokenText(tok.pieceToId('ĠðŁĺ')!), ' ');
  // '<mask>' strips the space on its left (lstrip): that space belongs to no token.
  assert.deepEqual(brief('a <mask> b'), ['<s>', 'a@0-1', '<mask>', 'Ġb@8-10', '</s>']);
  assert.equal(tok.tokenText(232), ' world');
  assert.equal(tok.tokenText(47856), ''); // 'ä½': two of the three bytes of 你
  assert.equal(tok.idToPiece(50264), '<mask>');
  assert.equal(tok.idToPiece(50265), null);
  assert.equal(tok.vocabSize, 50265);
  assert.deepEqual([tok.bosId, tok.eosId, tok.addBosToken], [null, null, false]); // no tokenizer_config.json beside it
});

test('RoBERTa vocabulary in the Llama 3 / Qwen 2 layout (NFC, Split regex + ByteLevel without regex)', { skip }, () => {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  json.normalizer = { type: 'NFC' };
  const regex = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
  json.pre_tokenizer = {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ],
  };
  const tok = TextTokenizer.fromJson(json);
  assertFamily(tok, json, {}, { fold: (s) => s.normalize('NFC') });
  for (const text of TEXTS) assertByteGroups(text, tok.encode(text), byteLevelBytes);
});
