import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextTokenizer } from '../../../src/core/tokenizer';
import { utf8Bytes } from '../../../src/core/tokenizer/bytes';
import { llamaJson, unigramJson } from './builders';
import { assertByteGroups, assertFamily, TEXTS } from './invariants';

const brief = (tok: TextTokenizer, text: string) =>
  tok.encode(text).map((t) => (t.special ? t.piece : `${t.piece}@${t.start}-${t.end}${t.partial ? '~' : ''}`));

/** '<0xNN>' is one byte; '▁' is a space. */
const spBytes = (piece: string) => (/^<0x[0-9A-F]{2}>$/.test(piece) ? [parseInt(piece.slice(3, 5), 16)] : utf8Bytes(piece, '▁'));

const llama = llamaJson();
const lt = TextTokenizer.fromJson(llama, {
  bos_token: '<s>',
  eos_token: '</s>',
  unk_token: '<unk>',
  add_bos_token: true,
  add_eos_token: false,
});

test('Metaspace (Llama layout): ids equal the library’s and offsets hold for every text', () => {
  assertFamily(lt, llama, {}, {});
  for (const text of TEXTS) assertByteGroups(text, lt.encode(text), spBytes, 'partial');
});

test('Metaspace (Llama layout): the prepended ▁ maps to no character and does not shift offsets', () => {
  assert.deepEqual(brief(lt, 'Hello world'), ['<s>', '▁Hello@0-5', '▁world@5-11']);
  assert.deepEqual(brief(lt, '  Hello'), ['<s>', '▁▁@0-1', '▁Hello@1-7']); // the first ▁ is the prepended one
  const [, space] = lt.encode('你好世界');
  assert.deepEqual([space.piece, space.start, space.end, space.text], ['▁', 0, 0, '']);
});

test('Metaspace (Llama layout): byte-fallback pieces are partial and cover their whole character', () => {
  assert.deepEqual(brief(lt, '你好世界'), [
    '<s>',
    '▁@0-0',
    '你好@0-2',
    '<0xE4>@2-3~',
    '<0xB8>@2-3~',
    '<0x96>@2-3~',
    '<0xE7>@3-4~',
    '<0x95>@3-4~',
    '<0x8C>@3-4~',
  ]);
  const emoji = lt.encode('😀', { addSpecialTokens: false }).filter((t) => t.partial);
  assert.equal(emoji.length, 4);
  for (const t of emoji) assert.deepEqual([t.start, t.end, t.text], [0, 2, '']);
  assert.equal(lt.tokenText(lt.pieceToId('<0xE4>')!), '');
  assert.equal(lt.tokenText(lt.pieceToId('<0x41>')!), 'A');
  assert.equal(lt.tokenText(lt.pieceToId('▁world')!), ' world');
});

test('Metaspace (Llama layout): config ids and flags', () => {
  assert.deepEqual([lt.bosId, lt.eosId, lt.padId, lt.unkId, lt.addBosToken, lt.addEosToken], [1, 2, null, 0, true, false]);
  const bare = TextTokenizer.fromJson(llama);
  assert.deepEqual([bare.bosId, bare.addBosToken, bare.addEosToken], [null, false, false]);
  assert.equal(
    lt.decode(
      lt.encode('Hello world').map((t) => t.id),
      { skipSpecialTokens: true },
    ),
    'Hello world',
  );
  assert.equal(
    lt.decode(
      lt.encode('你好世界').map((t) => t.id),
      { skipSpecialTokens: true },
    ),
    '你好世界',
  );
});

const uni = unigramJson();
const ut = TextTokenizer.fromJson(uni, { eos_token: '</s>', unk_token: '<unk>', pad_token: '<pad>' });
const nfkc = (s: string) => s.normalize('NFKC');

test('Metaspace (Unigram, T5 layout): ids equal the library’s and offsets hold for every text', () => {
  assertFamily(ut, uni, { eos_token: '</s>' }, { fold: nfkc, gap: /^\s*$/ });
});

test('Metaspace (Unigram): inserted ▁ before each word, whitespace dropped, unknown characters keep their span', () => {
  assert.deepEqual(brief(ut, 'Hello world'), ['▁H@0-1', 'e@1-2', 'l@2-3', 'l@3-4', 'o@4-5', '▁world@5-11', '</s>']);
  assert.deepEqual(brief(ut, 'ＡＢ  c'), ['▁A@0-1', 'B@1-2', '▁c@4-5', '</s>']);
  const unk = ut.encode('x 好世!', { addSpecialTokens: false }).find((t) => t.id === ut.unkId)!;
  assert.deepEqual([unk.piece, unk.start, unk.end, unk.text], ['好世', 2, 4, '好世']); // fused, as the library fuses
  assert.deepEqual([ut.bosId, ut.eosId, ut.padId, ut.addEosToken], [null, 1, 0, true]);
});

test('BPE without byte fallback: a run of unknown characters is one fused <unk> over their span', () => {
  const json = llamaJson();
  (json.model as { byte_fallback: boolean }).byte_fallback = false;
  const tok = TextTokenizer.fromJson(json);
  assertFamily(tok, json, {}, {});
  const unk = tok.encode('你好世界!', { addSpecialTokens: false }).filter((t) => t.piece === '<unk>');
  assert.deepEqual(
    unk.map((t) => [t.start, t.end, t.text, t.special]),
    [[2, 4, '世界', false]],
  );
});
