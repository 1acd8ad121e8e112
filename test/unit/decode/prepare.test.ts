// Sessions made when a model is selected: the worker's `prepare` opens what a decode with the same options opens —
// no more — and the decode that follows creates no session of its own and records the same trace.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { prepareDecode } from '../../../src/core/decode/prepare';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { createHandlers } from '../../../src/worker/handlers';
import { fixture } from '../paths';

const lens = { rows: 'last' as const, k: 5 };
const text = 'copy: the red fox =';
const context = (signal = new AbortController().signal) => ({ signal, progress: () => undefined });

async function splitLayout() {
  const model = await openModel(fixture('tiny-gpt'));
  const split = ['decoder_model.onnx', 'decoder_with_past_model.onnx'];
  model.layout = { ...model.layout, files: model.layout.files.filter((f) => split.includes(basename(f.path))) };
  return model;
}

describe('prepare: sessions before the first decode', () => {
  test('the worker method prepares what the decode then uses: no session created by the decode, the same trace', async () => {
    const sessions = new SessionCache();
    const fresh = new SessionCache();
    try {
      const handlers = createHandlers(sessions);
      const options = { modelPath: fixture('tiny-gpt'), maxNewTokens: 6, lens };
      const { files } = await handlers.prepare(options, context());
      assert.ok(files.length > 0, 'some file prepared');
      const prepared = sessions.size;
      assert.ok(prepared >= 2, `the decoder and the standalone lens (${prepared} sessions)`);
      const trace = await handlers.decode({ ...options, text }, context());
      assert.equal(sessions.size, prepared, 'the decode created no session');
      assert.deepEqual([...trace.model.files].sort(), [...files].sort(), 'it ran the prepared files');
      const reference = await decode(await openModel(fixture('tiny-gpt')), fresh, { text, maxNewTokens: 6, lens });
      assert.deepEqual(
        trace.generated.map((g) => g.id),
        reference.generated.map((g) => g.id),
      );
      assert.deepEqual(trace.lens?.ids, reference.lens?.ids, 'the same lens');
    } finally {
      await sessions.clear();
      await fresh.clear();
    }
  });

  test('a split folder: the with-past file only when more than one token will be asked for', async () => {
    for (const [maxNewTokens, expected] of [
      [1, ['decoder_model.onnx']],
      [4, ['decoder_model.onnx', 'decoder_with_past_model.onnx']],
    ] as const) {
      const sessions = new SessionCache();
      try {
        const model = await splitLayout();
        const { files } = await prepareDecode(model, sessions, { maxNewTokens });
        assert.deepEqual(files.map((f) => basename(f)).sort(), expected, `maxNewTokens ${maxNewTokens}`);
        assert.equal(sessions.size, expected.length, 'one session per file, nothing else (no lens asked for)');
        await decode(model, sessions, { text, maxNewTokens });
        assert.equal(sessions.size, expected.length, 'the decode found every session it needed');
      } finally {
        await sessions.clear();
      }
    }
  });

  test('a prepare cancelled before it starts creates nothing and says it was cancelled', async () => {
    const sessions = new SessionCache();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      async () => createHandlers(sessions).prepare({ modelPath: fixture('tiny-gpt'), lens }, context(controller.signal)),
      {
        code: 'cancelled',
      },
    );
    assert.equal(sessions.size, 0);
  });

  test('a model that cannot load: prepare rejects with the same error a decode gives', async () => {
    const sessions = new SessionCache();
    const handlers = createHandlers(sessions);
    const missing = { modelPath: fixture('no-such-model') };
    const fromPrepare = await Promise.resolve(handlers.prepare(missing, context())).catch((e: { code: string }) => e.code);
    const fromDecode = await Promise.resolve(handlers.decode({ ...missing, text }, context())).catch((e: { code: string }) => e.code);
    assert.equal(fromPrepare, fromDecode);
    assert.equal(fromPrepare, 'not-found');
  });
});
