// `--json` writes the trace through a stream, a row at a time: the file is exactly the JSON of the whole trace.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { DecoderLensError } from '../../../src/core/errors';
import { traceToJson, writeTraceJson } from '../../../src/core/trace/json';
import { fixture } from '../paths';

const sessions = new SessionCache();
const dir = mkdtempSync(join(tmpdir(), 'decoder-lens-json-'));
after(async () => {
  await sessions.clear();
  rmSync(dir, { recursive: true, force: true });
});

test('the streamed JSON equals JSON.stringify of the whole trace (float32, 8-bit codes, lens, encoder-decoder)', async () => {
  const gpt = await openModel(fixture('tiny-gpt'));
  const t5 = await openModel(fixture('tiny-t5'));
  const cases = {
    float32: await decode(gpt, sessions, { text: 'copy: the big dog =', maxNewTokens: 4, lens: { rows: 'all', k: 3 } }),
    eightBit: await decode(gpt, sessions, { text: 'copy: the red fox saw a big moon =', maxNewTokens: 12, captureMaxBytes: 9_000 }),
    scored: await decode(gpt, sessions, { text: 'copy: the cat =', maxNewTokens: 0 }),
    encoderDecoder: await decode(t5, sessions, { text: 'copy: a b c', maxNewTokens: 3 }),
  };
  assert.ok(cases.eightBit.attention.every((a) => a.quantized?.bits === 8));
  for (const [name, trace] of Object.entries(cases)) {
    const file = join(dir, `${name}.json`);
    await writeTraceJson(trace, file);
    const text = readFileSync(file, 'utf8');
    assert.equal(text, JSON.stringify(traceToJson(trace)), name);
    assert.equal(JSON.parse(text).attention.length, trace.attention.length);
  }
});

test('an unwritable --json path gives a clear error naming it', async () => {
  const trace = await decode(await openModel(fixture('tiny-gpt')), sessions, { text: 'copy: the cat =', maxNewTokens: 1 });
  const file = join(dir, 'no-such-folder', 'trace.json');
  await assert.rejects(writeTraceJson(trace, file), (error: unknown) => {
    assert.ok(error instanceof DecoderLensError);
    assert.equal(error.file, file);
    assert.match(error.message, /Could not write the JSON trace/);
    return true;
  });
});
