/** Offset invariants every tokenizer family must keep, and the texts to check them on. */
import assert from 'node:assert/strict';
import { utf8Bytes } from '../../../src/core/tokenizer/bytes';
import { createHfTokenizer } from '../../../src/core/tokenizer/lib';
import type { EncodedToken, TextTokenizer } from '../../../src/core/tokenizer';

export const TEXTS = [
  'Hello world',
  'The quick brown fox jumps over the lazy dog.',
  '   leading spaces',
  'trailing spaces   ',
  'multiple   spaces  inside',
  'line one\nline two\n\n',
  '\ttabbed\tline\t',
  'windows\r\nline\r\n',
  '你好世界',
  'Hello 你好 world 世界!',
  '😀',
  'ok 👍🏽 then',
  '👨‍👩‍👧‍👦 family',
  'mixed: café, naïve — 東京 😀!',
  'x😀y你z',
  ' ',
  '\n',
  'a',
];

/** Lone surrogates, control characters, odd spaces: must not throw, offsets must stay sane. */
export const ODD_TEXTS = ['\uD800', 'a\uDC00b', '\uD83D', 'x\uD83Dy\uDE00', '\u0000\u0007\u00A0\u3000\u2028', '\uFEFFbom', 'e\u0301\u0301'];

const HIGH = (c: number) => c >= 0xd800 && c <= 0xdbff;
const LOW = (c: number) => c >= 0xdc00 && c <= 0xdfff;
const splitsPair = (s: string, i: number) => i > 0 && i < s.length && HIGH(s.charCodeAt(i - 1)) && LOW(s.charCodeAt(i));
const hasLoneSurrogate = (s: string) => /\p{Cs}/u.test(s);

export interface OffsetRules {
  /** Maps source and token text to a comparable form when the normaliser changes text (case, accents, NFKC). */
  fold?: (s: string) => string;
  /** Source characters allowed to fall between tokens (what the pre-tokenizer or normaliser drops). */
  gap?: RegExp;
}

/** Bounds, monotonic, no split surrogate pair, whole tokens read as their slice, partial tokens flagged, coverage. */
export function assertOffsets(text: string, tokens: EncodedToken[], rules: OffsetRules = {}): void {
  const fold = rules.fold ?? ((s: string) => s);
  const gap = rules.gap ?? /^$/;
  let prev: EncodedToken | null = null;
  let cursor = 0;
  const where = (t: EncodedToken) => `${JSON.stringify(t)} in ${JSON.stringify(text)}`;
  for (const t of tokens) {
    if (t.special) {
      assert.equal(t.start, null, `special token has no offsets: ${where(t)}`);
      assert.equal(t.end, null, `special token has no offsets: ${where(t)}`);
      continue;
    }
    const { start, end } = t as { start: number; end: number };
    assert.ok(Number.isInteger(start) && Number.isInteger(end), `integer offsets: ${where(t)}`);
    assert.ok(start >= 0 && start <= end && end <= text.length, `within bounds: ${where(t)}`);
    assert.ok(!splitsPair(text, start) && !splitsPair(text, end), `no split surrogate pair: ${where(t)}`);
    if (prev) {
      assert.ok(start >= prev.start! && end >= prev.end!, `monotonic: ${where(t)} after ${JSON.stringify(prev)}`);
      if (start < prev.end!) assert.ok(t.partial || prev.partial || (start === prev.start && end === prev.end), `overlap only within a character: ${where(t)}`);
    }
    const slice = text.slice(start, end);
    if (t.partial) {
      assert.equal(t.text, '', `a byte fragment has no text: ${where(t)}`);
      assert.ok(end > start, `a partial token covers its character: ${where(t)}`);
    } else if (!hasLoneSurrogate(slice)) {
      assert.equal(fold(t.text), fold(slice), `text equals its slice: ${where(t)}`);
    }
    if (start > cursor) assert.match(text.slice(cursor, start), gap, `only droppable text between tokens: ${where(t)}`);
    cursor = Math.max(cursor, end);
    prev = t;
  }
  assert.match(text.slice(cursor), gap, `only droppable text after the last token of ${JSON.stringify(text)}`);
}

/**
 * Tokens whose spans chain (partial pieces of one character, or whole tokens) together hold exactly the UTF-8
 * bytes of the text they cover. `only`: check only groups that contain a partial token.
 */
export function assertByteGroups(text: string, tokens: EncodedToken[], bytesOf: (piece: string) => number[], only?: 'partial'): void {
  const plain = tokens.filter((t) => !t.special);
  for (let i = 0; i < plain.length; ) {
    let j = i + 1;
    let end = plain[i].end!;
    while (j < plain.length && plain[j].start! < end) end = Math.max(end, plain[j++].end!);
    const group = plain.slice(i, j);
    if (only !== 'partial' || group.some((t) => t.partial)) {
      const got = group.flatMap((t) => bytesOf(t.piece));
      const slice = text.slice(plain[i].start!, end);
      if (!hasLoneSurrogate(slice)) assert.deepEqual(got, utf8Bytes(slice), `bytes of ${JSON.stringify(group.map((t) => t.piece))} are ${JSON.stringify(slice)}`);
    }
    i = j;
  }
}

/** The library's own ids for the same files, to show the wrapper changes none. */
export function libraryIds(json: object, config: object, text: string, addSpecialTokens = true): number[] {
  return createHfTokenizer(json as Record<string, unknown>, config as Record<string, unknown>).encode(text, { add_special_tokens: addSpecialTokens }).ids;
}

/** Runs the shared checks over TEXTS and ODD_TEXTS for one tokenizer. */
export function assertFamily(tok: TextTokenizer, json: object, config: object, rules: OffsetRules): void {
  const lib = createHfTokenizer(json as Record<string, unknown>, config as Record<string, unknown>);
  for (const text of [...TEXTS, ...ODD_TEXTS]) {
    for (const add of [true, false]) {
      const tokens = tok.encode(text, { addSpecialTokens: add });
      assert.deepEqual(tokens.map((t) => t.id), lib.encode(text, { add_special_tokens: add }).ids, `ids of ${JSON.stringify(text)}`);
      if (ODD_TEXTS.includes(text)) assertOffsets(text, tokens, { ...rules, fold: () => '', gap: /[^]*/ });
      else assertOffsets(text, tokens, rules);
    }
  }
}
