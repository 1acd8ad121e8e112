import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DecoderLensError } from '../../../src/core/errors';
import { loadTokenizer, TextTokenizer } from '../../../src/core/tokenizer';
import { wordPieceJson } from './builders';

const root = mkdtempSync(join(tmpdir(), 'dl-tokenizer-'));
after(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

async function rejects(p: Promise<unknown>, code: string, mentions: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DecoderLensError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, typeof mentions === 'string' ? new RegExp(mentions.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : mentions);
    return true;
  });
}

test('loads tokenizer.json with tokenizer_config.json beside it', async () => {
  const dir = folder('ok', {
    'tokenizer.json': JSON.stringify(wordPieceJson()),
    'tokenizer_config.json': JSON.stringify({
      bos_token: '[CLS]',
      eos_token: { content: '[SEP]', __type: 'AddedToken' },
      pad_token: '[PAD]',
    }),
  });
  const tok = await loadTokenizer(dir);
  assert.deepEqual([tok.bosId, tok.eosId, tok.padId, tok.unkId], [2, 3, 0, 1]);
  assert.equal(tok.source, join(dir, 'tokenizer.json'));
  // An Optimum onnx/ subfolder finds the tokenizer one level up; a path to the file works too.
  mkdirSync(join(dir, 'onnx'));
  assert.equal((await loadTokenizer(join(dir, 'onnx'))).bosId, 2);
  assert.equal((await loadTokenizer(join(dir, 'tokenizer.json'))).bosId, 2);
});

test('a missing folder or tokenizer.json is not-found, naming the path and what to do', async () => {
  await rejects(loadTokenizer(join(root, 'nope')), 'not-found', join(root, 'nope'));
  const empty = folder('empty', {});
  await rejects(loadTokenizer(empty), 'not-found', /No tokenizer\.json in .*save_pretrained/);
});

test('an unreadable, truncated or foreign tokenizer.json is bad-model; an unknown component is unsupported', async () => {
  await rejects(loadTokenizer(folder('trunc', { 'tokenizer.json': '{"model": {"type": "BPE", "vo' })), 'bad-model', /not valid JSON/);
  await rejects(
    loadTokenizer(folder('lfs', { 'tokenizer.json': 'version https://git-lfs.github.com/spec/v1\noid sha256:00\n' })),
    'bad-model',
    /git lfs pull/,
  );
  await rejects(loadTokenizer(folder('array', { 'tokenizer.json': '[1, 2]' })), 'bad-model', /JSON object/);
  await rejects(loadTokenizer(folder('nomodel', { 'tokenizer.json': '{"version": "1.0"}' })), 'bad-model', /no "model" section/);
  const odd = { ...wordPieceJson(), normalizer: { type: 'Frobnicate' } };
  await rejects(loadTokenizer(folder('odd', { 'tokenizer.json': JSON.stringify(odd) })), 'unsupported', /Frobnicate/);
  await rejects(
    loadTokenizer(folder('badcfg', { 'tokenizer.json': JSON.stringify(wordPieceJson()), 'tokenizer_config.json': '{' })),
    'bad-model',
    /tokenizer_config\.json/,
  );
  const dirAsFile = folder('file', { 'x.txt': 'x' });
  await rejects(loadTokenizer(join(dirAsFile, 'x.txt')), 'not-found', /not a folder/);
});

test('fromJson names the source in its errors', () => {
  assert.throws(
    () => TextTokenizer.fromJson({}, {}, '/m/tokenizer.json'),
    (e: unknown) => e instanceof DecoderLensError && e.file === '/m/tokenizer.json',
  );
});
