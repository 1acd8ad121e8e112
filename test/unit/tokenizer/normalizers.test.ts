/** Offsets through normalisers that change the text: each must map back to the source characters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextTokenizer } from '../../../src/core/tokenizer';
import { byteLevelJson } from './builders';
import { assertFamily, assertOffsets, assertSameIds, libraryIds } from './invariants';

function withNormalizer(normalizer: object): { json: Record<string, unknown>; tok: TextTokenizer } {
  const json = { ...byteLevelJson(), normalizer, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true } };
  return { json, tok: TextTokenizer.fromJson(json) };
}

const spans = (tok: TextTokenizer, text: string) =>
  tok.encode(text, { addSpecialTokens: false }).map((t) => `${t.text}@${t.start}-${t.end}`);

test('Strip + Replace(regex) collapse whitespace; the kept space maps to the whole run it replaced', () => {
  const { json, tok } = withNormalizer({
    type: 'Sequence',
    normalizers: [
      { type: 'Strip', strip_left: true, strip_right: true },
      { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
    ],
  });
  assertFamily(tok, json, {}, { fold: (s) => s.replace(/\s+/g, ' '), gap: /^\s*$/ });
  assert.deepEqual(spans(tok, '  ab   cd  '), ['a@2-3', 'b@3-4', ' @4-7', 'c@7-8', 'd@8-9']);
});

test('NFC composes e + combining accent: the composed character covers both source code units', () => {
  const { json, tok } = withNormalizer({ type: 'NFC' });
  assertFamily(tok, json, {}, { fold: (s) => s.normalize('NFC') });
  assert.deepEqual(spans(tok, 'cafe\u0301!'), ['c@0-1', 'a@1-2', 'f@2-3', '@3-5', '@3-5', '!@5-6']); // é is two byte pieces
});

test('NFKC expands a ligature and Lowercase expands İ: each output piece points at its source character', () => {
  const { json, tok } = withNormalizer({ type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] });
  const fold = (s: string) => s.normalize('NFKC').toLowerCase();
  assertFamily(tok, json, {}, { fold });
  const text = 'ﬁİx';
  const tokens = tok.encode(text, { addSpecialTokens: false });
  assertSameIds(
    tokens.map((t) => t.id),
    libraryIds(json, {}, text, false),
    text,
  );
  assertOffsets(text, tokens, { fold: () => '' }); // a piece of an expansion reads as part of its source character
  assert.deepEqual(
    tokens.slice(0, 2).map((t) => [t.text, t.start, t.end]),
    [
      ['f', 0, 1],
      ['i', 0, 1],
    ],
  ); // both from 'ﬁ'
  assert.deepEqual(tokens.at(-1)!.text + '@' + tokens.at(-1)!.start, 'x@2');
});

test('BertNormalizer-style accent stripping (NFD + StripAccents) and Precompiled keep source spans', () => {
  const strip = withNormalizer({ type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }] });
  assertFamily(strip.tok, strip.json, {}, { fold: (s) => s.normalize('NFD').replace(/\p{M}/gu, '') });
  assert.deepEqual(spans(strip.tok, 'é'), ['e@0-1']);
  const pre = withNormalizer({ type: 'Precompiled', precompiled_charsmap: '' });
  // The library's Precompiled normaliser, restated: its character classes are control characters on purpose.
  const precompiled = (s: string) =>
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0001-\u0008\u000B\u000E-\u001F\u007F\u008F\u009F]/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0009\u000A\u000C\u000D\u00A0\u1680\u2000-\u200F\u2028\u2029\u202F\u205F\u2581\u3000\uFEFF\uFFFD]/g, ' ')
      .normalize('NFKC');
  assertFamily(pre.tok, pre.json, {}, { fold: precompiled, gap: /^[\p{Cc}]*$/u });
  assert.deepEqual(spans(pre.tok, 'a\u3000b'), ['a@0-1', ' @1-2', 'b@2-3']); // the ideographic space reads as ' '
});

test('added tokens matched after normalisation (normalized: true) get the span of what they matched', () => {
  const json = byteLevelJson();
  const extra = { id: 9000, content: 'Stop', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false };
  (json.added_tokens as object[]).push(extra);
  (json.model as { vocab: Record<string, number> }).vocab.stop = 9000;
  const tok = TextTokenizer.fromJson(json);
  const text = 'Go STOP now';
  const tokens = tok.encode(text);
  assertSameIds(
    tokens.map((t) => t.id),
    libraryIds(json, {}, text),
    text,
  );
  const stop = tokens.find((t) => t.id === 9000)!;
  assert.deepEqual([stop.piece, stop.start, stop.end, stop.special], ['stop', 3, 7, false]);
});
