import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { DecoderLensError } from '../../../src/core/errors';
import { decodeTrace, encodeTrace } from '../../../src/core/trace/file';
import { traceToJson } from '../../../src/core/trace/json';
import { fixture } from '../paths';

const sessions = new SessionCache();
after(() => sessions.clear());

test('a trace saves and loads unchanged (typed arrays included)', async () => {
  const model = await openModel(fixture('tiny-gpt'));
  const trace = await decode(model, sessions, { text: 'copy: the big dog =', maxNewTokens: 5, hiddenVectors: true });
  const loaded = decodeTrace(encodeTrace(trace));
  assert.deepEqual(loaded, trace);
  assert.ok(loaded.attention[0].data instanceof Float32Array);
  assert.ok(loaded.masks[0].visible instanceof Uint8Array);
});

test('a token whose text looks like markup or JSON survives the file as plain text', async () => {
  const model = await openModel(fixture('tiny-gpt'));
  const trace = await decode(model, sessions, { text: 'copy: the cat =', maxNewTokens: 1 });
  trace.input.text = '</script><img src=x onerror=alert(1)> "$tensor" NaN';
  trace.input.tokens[0].text = '{"$tensor":"f32","offset":0,"length":99999999}';
  const loaded = decodeTrace(encodeTrace(trace));
  assert.equal(loaded.input.text, trace.input.text);
  assert.equal(loaded.input.tokens[0].text, trace.input.tokens[0].text);
});

test('bad trace files give a clear error naming the file, never a crash', () => {
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array()],
    ['not a trace', new TextEncoder().encode('{"hello": 1}')],
    ['header past the end', Uint8Array.from([...new TextEncoder().encode('DLTRACE1'), 0xff, 0xff, 0, 0])],
  ];
  for (const [what, bytes] of cases) {
    assert.throws(
      () => decodeTrace(bytes, 'broken.dltrace'),
      (e: unknown) => e instanceof DecoderLensError && e.message.includes('broken.dltrace'),
      what,
    );
  }
});

test('the CLI JSON has the documented shape: [head][query][key] attention, 0/1 masks', async () => {
  const model = await openModel(fixture('tiny-gpt'));
  const trace = await decode(model, sessions, { text: 'copy: the cat =', maxNewTokens: 3 });
  const json = JSON.parse(JSON.stringify(traceToJson(trace)));
  const n = trace.positions.length;
  assert.equal(json.model.architecture, 'decoder-only');
  assert.equal(json.attention[0].data.length, trace.attention[0].heads);
  assert.equal(json.attention[0].data[0].length, n);
  assert.equal(json.attention[0].data[0][0].length, n);
  assert.deepEqual(json.masks[0].data[0].slice(0, 2), [1, 0], 'the first query sees itself, not the next token');
  assert.equal(json.generated[0].top.length, 5);
  for (const t of json.input.tokens) assert.ok(typeof t.id === 'number' && 'start' in t && 'end' in t);
});
