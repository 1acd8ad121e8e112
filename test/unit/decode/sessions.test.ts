import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { DecoderLensError } from '../../../src/core/errors';
import { fixture } from '../paths';

/** tiny-gpt as a split Optimum folder: decoder_model.onnx for the prompt, decoder_with_past_model.onnx after. */
async function splitLayout() {
  const model = await openModel(fixture('tiny-gpt'));
  const split = ['decoder_model.onnx', 'decoder_with_past_model.onnx'];
  model.layout = { ...model.layout, files: model.layout.files.filter((f) => split.includes(basename(f.path))) };
  return model;
}

describe('a decode opens only the sessions it runs', () => {
  test('one new token on a split folder opens the decoder only, not the with-past file', async () => {
    const sessions = new SessionCache();
    try {
      const trace = await decode(await splitLayout(), sessions, { text: 'copy: the cat =', maxNewTokens: 1 });
      assert.equal(trace.generated.length, 1);
      assert.equal(sessions.size, 1, 'one ONNX Runtime session created');
      assert.deepEqual(
        trace.model.files.map((f) => basename(f)),
        ['decoder_model.onnx'],
      );
    } finally {
      await sessions.clear();
    }
  });

  test('a second token opens the with-past file for the steps after the prompt', async () => {
    const sessions = new SessionCache();
    try {
      const trace = await decode(await splitLayout(), sessions, { text: 'copy: the cat =', maxNewTokens: 2 });
      assert.equal(trace.generated.length, 2);
      assert.equal(sessions.size, 2);
      assert.deepEqual(trace.model.files.map((f) => basename(f)).sort(), ['decoder_model.onnx', 'decoder_with_past_model.onnx']);
    } finally {
      await sessions.clear();
    }
  });
});

describe('an encoder-decoder decode opens only the sessions it runs', () => {
  test('one new token on tiny-t5 opens the encoder and the decoder, not the with-past file', async () => {
    const sessions = new SessionCache();
    try {
      const trace = await decode(await openModel(fixture('tiny-t5')), sessions, { text: 'the red fox', maxNewTokens: 1 });
      assert.equal(trace.generated.length, 1);
      assert.equal(sessions.size, 2);
      assert.deepEqual(trace.model.files.map((f) => basename(f)).sort(), ['decoder_model.onnx', 'encoder_model.onnx']);
    } finally {
      await sessions.clear();
    }
  });
});

describe('a text that tokenizes to nothing', () => {
  test('the message says the text produced no tokens and names the tokenizer file', async () => {
    // tiny-gpt's tokenizer with no beginning-of-sequence token to start an empty prompt from.
    const dir = mkdtempSync(join(tmpdir(), 'decoder-lens-no-bos-'));
    const sessions = new SessionCache();
    try {
      cpSync(fixture('tiny-gpt'), dir, { recursive: true });
      const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
      delete config.bos_token;
      writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
      const model = await openModel(dir);
      assert.equal(model.tokenizer.bosId, null);
      await assert.rejects(decode(model, sessions, { text: '', maxNewTokens: 1 }), (e: unknown) => {
        assert.ok(e instanceof DecoderLensError);
        assert.equal(e.code, 'bad-input');
        assert.match(e.message, /produced no tokens/);
        assert.ok(e.message.includes(join(dir, 'tokenizer.json')), e.message);
        return true;
      });
    } finally {
      await sessions.clear();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
