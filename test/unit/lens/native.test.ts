import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { LensSessions } from '../../../src/core/lens';
import { decodeTrace, encodeTrace } from '../../../src/core/trace/file';
import { traceToJson } from '../../../src/core/trace/json';
import { fixture } from '../paths';

const cache = new SessionCache();
const shim = new LensSessions({ rows: 'last', k: 10 });
after(() => Promise.all([cache.clear(), shim.clear()]));

test('the decode option `lens` records what the session shim records, and it survives the trace file and JSON', async () => {
  const model = await openModel(fixture('tiny-gpt'));
  const text = 'copy: the red fox saw a big moon =';
  const trace = await decode(model, cache, { text, maxNewTokens: 8, lens: { rows: 'last', k: 10 } });
  const { lens } = await shim.decode(model, { text, maxNewTokens: 8 });
  assert.ok(trace.lens);
  assert.deepEqual(trace.lens.positions, lens.positions);
  assert.deepEqual(trace.lens.ids, lens.ids);
  assert.deepEqual(trace.lens.nextProbs, lens.nextProbs);
  assert.deepEqual(trace.lens.texts, lens.texts);
  const back = decodeTrace(encodeTrace(trace));
  assert.deepEqual(back.lens!.probs, trace.lens.probs);
  const json = traceToJson(trace);
  assert.equal(json.lens!.length, 8 * 2);
  assert.deepEqual(Object.keys(json.lens![0].top[0]), ['id', 'text', 'prob']);
  assert.equal((await decode(model, cache, { text, maxNewTokens: 2 })).lens, undefined, 'off by default');
});
