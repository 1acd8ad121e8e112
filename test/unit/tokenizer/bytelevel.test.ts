import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextTokenizer } from '../../../src/core/tokenizer';
import { byteLevelBytes } from '../../../src/core/tokenizer/bytes';
import { byteLevelJson } from './builders';
import { assertByteGroups, assertFamily, TEXTS } from './invariants';

const json = byteLevelJson();
const tok = TextTokenizer.fromJson(json, { eos_token: '<|endoftext|>' });
const fold = (s: string) => s.normalize('NFKC').toLowerCase();
const brief = (text: string) =>
  tok.encode(text).map((t) => (t.special ? t.piece : `${t.piece}@${t.start}-${t.end}${t.partial ? '~' : ''}`));

test('byte-level (add_prefix_space, NFKC + Lowercase): ids equal the library’s and offsets hold', () => {
  assertFamily(tok, json, {}, { fold });
  for (const text of TEXTS) assertByteGroups(text, tok.encode(text), byteLevelBytes, 'partial');
});

test('byte-level: the added prefix space maps to no character; lowercasing maps back', () => {
  assert.deepEqual(brief('Hello The'), ['Ġ@0-0', 'he@0-2', 'llo@2-5', 'Ġthe@5-9', '<|endoftext|>']);
  assert.deepEqual(
    tok.encode('HELLO', { addSpecialTokens: false }).map((t) => t.text),
    ['', 'he', 'llo'],
  );
  assert.deepEqual(brief('ＡＢ'), ['Ġ@0-0', 'a@0-1', 'b@1-2', '<|endoftext|>']); // fullwidth → NFKC → lowercase
});

test('byte-level: added tokens found in the text — non-special ones get offsets, special ones none', () => {
  const tokens = tok.encode('hi<|user|>the<|endoftext|>', { addSpecialTokens: false });
  const user = tokens.find((t) => t.piece === '<|user|>')!;
  assert.deepEqual([user.start, user.end, user.special, user.text], [2, 10, false, '<|user|>']);
  const eot = tokens.find((t) => t.piece === '<|endoftext|>')!;
  assert.deepEqual([eot.start, eot.end, eot.special], [null, null, true]);
  assert.equal(tok.isSpecial(eot.id), true);
  assert.equal(tok.eosId, eot.id);
  assert.equal(tok.addEosToken, true); // not in the config: the post-processor appends it
});
