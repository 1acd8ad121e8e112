import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TextTokenizer } from '../../../src/core/tokenizer';
import { sharedDataDir } from '../paths';
import { byteLevelJson, llamaJson, unigramJson, wordPieceJson } from './builders';
import { assertOffsets, assertSameIds, libraryIds, ODD_TEXTS } from './invariants';

const roberta = join(sharedDataDir, 'tokenizers', 'roberta-bytelevel-bpe', 'tokenizer.json');
const families: [string, () => Record<string, unknown>][] = [
  ['WordPiece', wordPieceJson],
  ['Metaspace (Llama)', llamaJson],
  ['Metaspace (Unigram)', unigramJson],
  ['byte-level', byteLevelJson],
];
if (existsSync(roberta)) families.push(['RoBERTa', () => JSON.parse(readFileSync(roberta, 'utf8'))]);

/** About 100,000 characters of prose, code, whitespace runs, CJK, emoji and odd characters. */
function bigText(): string {
  const parts = [
    'The quick brown fox, café naïve.\n',
    'function f(x) {\r\n\treturn x * 2;  }\n',
    '你好世界，東京。',
    ' 😀 👍🏽 👨‍👩‍👧 ',
    '      ',
    ...ODD_TEXTS,
  ];
  let s = '';
  for (let i = 0; s.length < 100_000; i++) s += parts[i % parts.length];
  return s.slice(0, 100_000).replace(/[\uD800-\uDBFF]$/, 'x');
}

for (const [name, make] of families) {
  test(`${name}: a 100,000-character input encodes with the library's ids and sane offsets`, (t) => {
    const json = make();
    const tok = TextTokenizer.fromJson(json);
    const text = bigText();
    const t0 = performance.now();
    const tokens = tok.encode(text);
    t.diagnostic(`${tokens.length} tokens in ${Math.round(performance.now() - t0)} ms`);
    assertSameIds(
      tokens.map((k) => k.id),
      libraryIds(json, {}, text),
      name,
    );
    assertOffsets(text, tokens, { fold: () => '', gap: /[^]*/ });
    assert.ok(
      tokens.some((k) => !k.special && k.end! > 99_000),
      'offsets reach the end',
    );
  });

  test(`${name}: empty input, odd inputs and bad ids never throw`, () => {
    const tok = TextTokenizer.fromJson(make());
    assert.ok(tok.encode('').every((k) => k.special));
    assert.equal(tok.decode([]), '');
    assert.equal(tok.decode([-1, 1.5, 1e9, Number.NaN]), '');
    assert.equal(tok.tokenText(-5), '');
    assert.equal(tok.idToPiece(1e9), null);
    assert.deepEqual(tok.encode(undefined as unknown as string), tok.encode(''));
    for (const text of ODD_TEXTS) assert.doesNotThrow(() => tok.decode(tok.encode(text).map((k) => k.id)));
  });
}
