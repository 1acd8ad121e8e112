import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { DecoderLensError } from '../../../src/core/errors';
import { fixture } from '../paths';

const sessions = new SessionCache();
const scratch = mkdtempSync(join(tmpdir(), 'decoder-lens-bad-'));
after(async () => {
  await sessions.clear();
  rmSync(scratch, { recursive: true, force: true });
});

const rejectsNaming = (promise: Promise<unknown>, code: string, fragment: string) =>
  assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DecoderLensError, `a DecoderLensError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.ok(e.message.includes(fragment), `"${e.message}" names ${fragment}`);
    return true;
  });

describe('bad input gets a clear message naming the file or value', () => {
  test('a missing model folder', () => rejectsNaming(openModel(join(scratch, 'nope')), 'not-found', join(scratch, 'nope')));

  test('a folder with no ONNX files', async () => {
    const empty = join(scratch, 'empty');
    cpSync(fixture('tiny-gpt', 'config.json'), join(empty, 'config.json'));
    await rejectsNaming(openModel(empty), 'not-found', 'decoder_model.onnx');
  });

  test('a missing tokenizer.json', async () => {
    const dir = join(scratch, 'no-tokenizer');
    cpSync(fixture('tiny-gpt', 'decoder_model.onnx'), join(dir, 'decoder_model.onnx'));
    await rejectsNaming(openModel(dir), 'not-found', 'tokenizer.json');
  });

  test('a file that is not ONNX', async () => {
    const dir = join(scratch, 'not-onnx');
    cpSync(fixture('tiny-gpt'), dir, { recursive: true });
    writeFileSync(join(dir, 'decoder_model.onnx'), '<html>this is a web page saved by mistake</html>');
    const model = await openModel(dir);
    model.layout.files = model.layout.files.filter((f) => f.path.endsWith('decoder_model.onnx'));
    await assert.rejects(
      decode(model, sessions, { text: 'copy: the cat =', useCache: false }),
      (e: unknown) => e instanceof DecoderLensError && e.message.includes('decoder_model.onnx'),
    );
  });

  test('a mask override of the wrong length, or that hides everything', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    await rejectsNaming(decode(model, sessions, { text: 'copy: the cat =', attentionMask: [1, 0] }), 'bad-input', 'one 0 or 1 per token');
    const n = model.tokenizer.encode('copy: the cat =').length;
    await rejectsNaming(
      decode(model, sessions, { text: 'copy: the cat =', attentionMask: new Array(n).fill(0) }),
      'bad-input',
      'hides every token',
    );
  });

  test('impossible settings', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    await rejectsNaming(decode(model, sessions, { text: 'x', maxNewTokens: -1 }), 'bad-input', 'maxNewTokens -1');
    await rejectsNaming(
      decode(model, sessions, { text: 'x', sampling: { strategy: 'top-p', topP: 1.5, topK: 5, temperature: 1, seed: 0 } }),
      'bad-input',
      'topP 1.5',
    );
  });

  test('a 100,000-character input is refused quickly with the model limit, not run', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const text = 'copy: ' + 'the cat sat on the mat '.repeat(4400);
    assert.ok(text.length > 100_000);
    await rejectsNaming(decode(model, sessions, { text }), 'bad-input', 'positions');
  });
});

describe('the model file changes between runs', () => {
  test('a replaced file is reloaded, never served from a stale session', async () => {
    const dir = join(scratch, 'replaced');
    cpSync(fixture('tiny-gpt'), dir, { recursive: true });
    const model = await openModel(dir);
    model.layout.files = model.layout.files.filter((f) => f.path.endsWith('decoder_model.onnx'));
    const before = await decode(model, sessions, { text: 'copy: the cat =', maxNewTokens: 3, useCache: false });
    // Replace decoder_model.onnx with a different model file: the t5 decoder has other inputs.
    cpSync(fixture('tiny-t5', 'decoder_model.onnx'), join(dir, 'decoder_model.onnx'));
    await assert.rejects(
      decode(model, sessions, { text: 'copy: the cat =', maxNewTokens: 3, useCache: false }),
      (e: unknown) => e instanceof DecoderLensError && e.message.includes('decoder_model.onnx'),
    );
    cpSync(fixture('tiny-gpt', 'decoder_model.onnx'), join(dir, 'decoder_model.onnx'));
    const again = await decode(model, sessions, { text: 'copy: the cat =', maxNewTokens: 3, useCache: false });
    assert.deepEqual(
      again.generated.map((g) => g.id),
      before.generated.map((g) => g.id),
    );
  });
});
