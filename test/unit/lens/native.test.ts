import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { decodeTrace, encodeTrace } from '../../../src/core/trace/file';
import { traceToJson } from '../../../src/core/trace/json';
import { fixture } from '../paths';

const cache = new SessionCache();
after(() => cache.clear());

test('the decode option `lens`: off by default, one entry per position and layer, and it survives the trace file and JSON', async () => {
  const model = await openModel(fixture('tiny-gpt'));
  const text = 'copy: the red fox saw a big moon =';
  const trace = await decode(model, cache, { text, maxNewTokens: 8, lens: { rows: 'last', k: 10 } });
  assert.ok(trace.lens);
  assert.equal(trace.lens.positions.length, trace.generated.length, 'rows "last": one lens row per generated token');
  const first = trace.lens.ids[0];
  assert.equal(trace.lens.texts?.[first], model.tokenizer.tokenText(first), 'token texts kept with the ids');
  const back = decodeTrace(encodeTrace(trace));
  assert.deepEqual(back.lens, trace.lens);
  const json = traceToJson(trace);
  assert.equal(json.lens!.length, 8 * 2);
  assert.deepEqual(Object.keys(json.lens![0].top[0]), ['id', 'text', 'prob']);
  assert.equal((await decode(model, cache, { text, maxNewTokens: 2 })).lens, undefined, 'off by default');
});
