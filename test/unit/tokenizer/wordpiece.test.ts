import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextTokenizer } from '../../../src/core/tokenizer';
import { wordPieceJson } from './builders';
import { assertFamily } from './invariants';

const json = wordPieceJson();
const tok = TextTokenizer.fromJson(json, {}, 'wordpiece');
/** BertNormalizer lowercases and strips accents; BertPreTokenizer drops whitespace and the normaliser control characters. */
const fold = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\p{Mn}\p{Cf}]/gu, '');
const gap = /^[\s\p{Cc}\p{Cf}]*$/u;

const brief = (text: string) =>
  tok.encode(text).map((t) => (t.special ? t.piece : `${t.piece}@${t.start}-${t.end}${t.partial ? '~' : ''}`));

test('WordPiece: ids equal the library’s and offsets hold for ASCII, whitespace, Chinese and emoji', () => {
  assertFamily(tok, json, {}, { fold, gap });
});

test('WordPiece: ## continuations, punctuation and lowercasing map back to the source', () => {
  assert.deepEqual(brief('Hello, PLAYING!'), ['[CLS]', 'hello@0-5', ',@5-6', 'play@7-11', '##ing@11-14', '!@14-15', '[SEP]']);
  assert.deepEqual(
    tok.encode('playing', { addSpecialTokens: false }).map((t) => t.text),
    ['play', 'ing'],
  );
  assert.equal(tok.tokenText(tok.pieceToId('##ing')!), 'ing');
});

test('WordPiece: accents stripped by the normaliser keep the accented source span', () => {
  const tokens = tok.encode('Café au', { addSpecialTokens: false });
  assert.deepEqual(
    tokens.map((t) => [t.piece, t.start, t.end]),
    [
      ['cafe', 0, 4],
      ['a', 5, 6],
      ['##u', 6, 7],
    ],
  );
  const decomposed = 'Cafe\u0301!'; // e + combining acute: one character of two code units
  assert.deepEqual(
    tok.encode(decomposed, { addSpecialTokens: false }).map((t) => [t.piece, t.start, t.end]),
    [
      ['cafe', 0, 5],
      ['!', 5, 6],
    ],
  );
});

test('WordPiece: each Chinese character is its own word; an unknown emoji word is one [UNK] over the whole word', () => {
  assert.deepEqual(brief('你好世界'), ['[CLS]', '你@0-1', '好@1-2', '世@2-3', '界@3-4', '[SEP]']);
  const tokens = tok.encode('ok 👍🏽 then', { addSpecialTokens: false });
  const unk = tokens.find((t) => t.piece === '[UNK]')!;
  assert.deepEqual([unk.start, unk.end, unk.partial], [3, 7, false]);
  assert.equal(unk.text, '👍🏽');
});

test('WordPiece: special ids come from tokenizer_config.json, or null', () => {
  const withConfig = TextTokenizer.fromJson(json, { unk_token: '[UNK]', pad_token: { content: '[PAD]' }, bos_token: '[CLS]' });
  assert.deepEqual([withConfig.bosId, withConfig.eosId, withConfig.padId, withConfig.unkId], [2, null, 0, 1]);
  assert.deepEqual([tok.bosId, tok.eosId, tok.padId, tok.unkId], [null, null, null, 1]); // unk from the model section
  assert.equal(tok.vocabSize, Object.keys((json.model as { vocab: object }).vocab).length);
});
