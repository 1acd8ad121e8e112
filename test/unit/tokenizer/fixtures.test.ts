import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadTokenizer } from '../../../src/core/tokenizer';
import { byteLevelBytes, utf8Bytes } from '../../../src/core/tokenizer/bytes';
import { fixture } from '../paths';
import { assertByteGroups, assertFamily, assertOffsets, TEXTS } from './invariants';

interface Case {
  text: string;
  ids: number[];
  tokens?: string[];
  decoded?: string;
}

const casesFile = fixture('tokenizer_cases.json');
const cases: Record<string, Case[]> = existsSync(casesFile) ? JSON.parse(readFileSync(casesFile, 'utf8')) : {};
const spBytes = (piece: string) => (/^<0x[0-9A-F]{2}>$/.test(piece) ? [parseInt(piece.slice(3, 5), 16)] : utf8Bytes(piece, '▁'));

const models = [
  { name: 'tiny-gpt', bytesOf: byteLevelBytes, groups: undefined, roundTrip: true },
  { name: 'tiny-t5', bytesOf: spBytes, groups: 'partial' as const, roundTrip: false },
];

for (const m of models) {
  const dir = fixture(m.name);
  const file = fixture(m.name, 'tokenizer.json');
  const skip = existsSync(file) && cases[m.name] ? false : `fixture ${m.name} is absent (run npm run fixtures to build ${dir})`;
  const read = (f: string) => JSON.parse(readFileSync(fixture(m.name, f), 'utf8'));

  test(`${m.name}: ids, pieces and decoded text equal the Python encoder's (tokenizer_cases.json)`, { skip }, async () => {
    const tok = await loadTokenizer(dir);
    for (const c of cases[m.name]) {
      const tokens = tok.encode(c.text);
      assert.deepEqual(
        tokens.map((t) => t.id),
        c.ids,
        JSON.stringify(c.text),
      );
      if (c.tokens)
        assert.deepEqual(
          tokens.map((t) => t.piece),
          c.tokens,
          JSON.stringify(c.text),
        );
      if (c.decoded !== undefined) assert.equal(tok.decode(c.ids, { skipSpecialTokens: true }), c.decoded);
      assertOffsets(c.text, tokens);
      assertByteGroups(c.text, tokens, m.bytesOf, m.groups);
    }
  });

  test(`${m.name}: offsets hold and ids equal the library's on every shared text`, { skip }, async () => {
    const tok = await loadTokenizer(dir);
    assertFamily(tok, read('tokenizer.json'), read('tokenizer_config.json'), {});
    for (const text of TEXTS) assertByteGroups(text, tok.encode(text), m.bytesOf, m.groups);
    if (m.roundTrip) for (const text of TEXTS) assert.equal(tok.decode(tok.encode(text).map((t) => t.id)), text);
  });
}

test(
  'tiny-t5: special ids and flags come from tokenizer_config.json',
  { skip: existsSync(fixture('tiny-t5', 'tokenizer.json')) ? false : 'fixture tiny-t5 is absent' },
  async () => {
    const tok = await loadTokenizer(fixture('tiny-t5'));
    assert.deepEqual([tok.padId, tok.eosId, tok.unkId, tok.bosId, tok.addBosToken, tok.addEosToken], [0, 1, 2, 3, false, true]);
    const tokens = tok.encode('你好 😀');
    assert.equal(tokens.at(-1)!.id, tok.eosId);
    assert.ok(tokens.filter((t) => t.partial).every((t) => t.text === '' && t.end! > t.start!));
  },
);
