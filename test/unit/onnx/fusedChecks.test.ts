// The mask checks on the ORT-optimised fixture: its masks come from recomputed nodes, and a correct model must
// get no finding (the same probes run as for the unfused tiny-gpt).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { InspectorSession } from '../../../src/host/inspector/session';
import type { InspectorSnapshot } from '../../../src/protocol/inspector';
import { coreRunner } from '../masks/helpers';
import { fixture } from '../paths';

const sessions = new SessionCache();
after(() => sessions.clear());

describe('mask checks on the ORT-optimised GPT-2 layout', () => {
  test('tiny-gpt-ort-optimized: no finding, and the mask probe ran', async () => {
    const model = await openModel(fixture('tiny-gpt-ort-optimized'));
    const trace = await decode(model, sessions, { text: 'copy: the red fox saw a big moon =', maxNewTokens: 6 });
    assert.equal(trace.masks.length, 2, 'a recomputed mask per layer');
    const calls: string[] = [];
    let last: InspectorSnapshot | undefined;
    const session = new InspectorSession(coreRunner(sessions, calls), (s) => (last = s));
    session.show(trace);
    await session.check();
    assert.ok(last && !last.checking, 'the checks finished');
    assert.deepEqual(
      last.findings.map((f) => f.message),
      [],
    );
    assert.ok(
      calls.some((c) => /^probe .* [01]*0[01]*$/.test(c)),
      `a probe hid a token (calls: ${calls.join('; ')})`,
    );
    assert.deepEqual(last.checkNotes, []);
  });
});
