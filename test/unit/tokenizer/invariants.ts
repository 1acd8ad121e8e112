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
  'tags<s>x</s> [CLS]y<|endoftext|>',
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

/** Fails with a message built only on failure (messages quote the text, which may be 100,000 characters). */
function check(ok: boolean, message: () => string): void {
  if (!ok) assert.fail(message());
}

/** Bounds, monotonic, no split surrogate pair, whole tokens read as their slice, partial tokens flagged, coverage. */
export function assertOffsets(text: string, tokens: EncodedToken[], rules: OffsetRules = {}): void {
  const fold = rules.fold ?? ((s: string) => s);
  const gap = rules.gap ?? /^$/;
  let prev: EncodedToken | null = null;
  let cursor = 0;
  let specials: string[] = []; // special tokens found in the text have no offsets: their text is a gap
  const where = (t: EncodedToken) =>
    `${JSON.stringify(t)} in ${JSON.stringify(text.length > 200 ? text.slice(Math.max(0, (t.start ?? 0) - 40), (t.end ?? 0) + 40) : text)}`;
  for (const t of tokens) {
    if (t.special) {
      check(t.start === null && t.end === null, () => `special token has no offsets: ${where(t)}`);
      specials.push(t.piece);
      continue;
    }
    const { start, end } = t as { start: number; end: number };
    check(Number.isInteger(start) && Number.isInteger(end), () => `integer offsets: ${where(t)}`);
    check(start >= 0 && start <= end && end <= text.length, () => `within bounds: ${where(t)}`);
    check(!splitsPair(text, start) && !splitsPair(text, end), () => `no split surrogate pair: ${where(t)}`);
    if (prev) {
      const p = prev;
      check(start >= p.start! && end >= p.end!, () => `monotonic: ${where(t)} after ${JSON.stringify(p)}`);
      if (start < p.end!)
        check(t.partial || p.partial || (start === p.start && end === p.end), () => `overlap only within a character: ${where(t)}`);
    }
    const slice = text.slice(start, end);
    if (t.partial) {
      // Its text is the characters it holds whole (often none), all inside its span.
      check(fold(slice).includes(fold(t.text)), () => `a partial token's text lies in its span: ${where(t)}`);
      check(end > start, () => `a partial token covers its character: ${where(t)}`);
    } else if (!hasLoneSurrogate(slice)) {
      check(fold(t.text) === fold(slice), () => `text equals its slice: ${where(t)}`);
    }
    const between = specials.reduce((g, sp) => g.replace(sp, ''), text.slice(cursor, Math.max(cursor, start)));
    check(gap.test(between), () => `only droppable text between tokens: ${where(t)}`);
    specials = [];
    cursor = Math.max(cursor, end);
    prev = t;
  }
  check(
    gap.test(specials.reduce((g, sp) => g.replace(sp, ''), text.slice(cursor))),
    () => `only droppable text after the last token of ${JSON.stringify(text.slice(cursor, cursor + 80))}`,
  );
}

/**
 * Tokens whose spans chain (partial pieces of one character, or whole tokens) together hold exactly the UTF-8
 * bytes of the text they cover. `only`: check only groups that contain a partial token.
 */
export function assertByteGroups(text: string, tokens: EncodedToken[], bytesOf: (piece: string) => number[], only?: 'partial'): void {
  const plain = tokens.filter((t) => !t.special);
  for (let i = 0; i < plain.length;) {
    let j = i + 1;
    let end = plain[i].end!;
    while (j < plain.length && plain[j].start! < end) end = Math.max(end, plain[j++].end!);
    const group = plain.slice(i, j);
    if (only !== 'partial' || group.some((t) => t.partial)) {
      const got = group.flatMap((t) => bytesOf(t.piece));
      const slice = text.slice(plain[i].start!, end);
      if (!hasLoneSurrogate(slice))
        assert.deepEqual(got, utf8Bytes(slice), `bytes of ${JSON.stringify(group.map((t) => t.piece))} are ${JSON.stringify(slice)}`);
    }
    i = j;
  }
}

/** Same ids, or a failure that shows where they part (assert's diff of 100,000-element arrays takes minutes). */
export function assertSameIds(got: number[], want: number[], label: string): void {
  let k = 0;
  while (k < got.length && k < want.length && got[k] === want[k]) k++;
  check(
    k === got.length && k === want.length,
    () => `${label}: ids differ at ${k}: ${JSON.stringify(got.slice(k, k + 8))} vs ${JSON.stringify(want.slice(k, k + 8))}`,
  );
}

/** The library's own ids for the same files, to show the wrapper changes none. */
export function libraryIds(json: object, config: object, text: string, addSpecialTokens = true): number[] {
  return createHfTokenizer(json as Record<string, unknown>, config as Record<string, unknown>).encode(text, {
    add_special_tokens: addSpecialTokens,
  }).ids;
}

/** Runs the shared checks over TEXTS and ODD_TEXTS for one tokenizer. */
export function assertFamily(tok: TextTokenizer, json: object, config: object, rules: OffsetRules): void {
  const lib = createHfTokenizer(json as Record<string, unknown>, config as Record<string, unknown>);
  for (const text of [...TEXTS, ...ODD_TEXTS]) {
    for (const add of [true, false]) {
      const tokens = tok.encode(text, { addSpecialTokens: add });
      assertSameIds(
        tokens.map((t) => t.id),
        lib.encode(text, { add_special_tokens: add }).ids,
        `ids of ${JSON.stringify(text)}`,
      );
      if (ODD_TEXTS.includes(text)) assertOffsets(text, tokens, { ...rules, fold: () => '', gap: /[^]*/ });
      else assertOffsets(text, tokens, rules);
    }
  }
}
