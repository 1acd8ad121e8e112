// The Masks view's "implied by <op>" grid: for layers whose mask is applied inside a fused kernel, the mask the
// op's inputs and attributes imply (from the worker's graph facts) beside the observed one (exact zeros of the
// captured probabilities), on real fixtures decoded by onnxruntime-node, and the cells where they differ.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { factsFromInputs } from '../../../src/core/masks';
import { modelCheckFacts } from '../../../src/core/masks/context';
import type { Trace } from '../../../src/core/trace/types';
import { InspectorSession, type InspectorRunner } from '../../../src/host/inspector/session';
import type { InspectorSnapshot } from '../../../src/protocol/inspector';
import { fixture } from '../paths';
import { causal, channelCompute, syntheticTrace } from './helpers';

const sessions = new SessionCache();
after(() => sessions.clear());
const PROMPT = 'copy: the red fox saw a big moon =';

/** The worker's runner as the extension has it (host/inspector/runner.ts), decoding in-process. */
const runner: InspectorRunner = {
  compute: channelCompute(),
  rerun: async (path, options) => decode(await openModel(path), sessions, options),
  probe: async (path, options) => decode(await openModel(path), sessions, options),
  async facts(trace) {
    const { context, inputs } = await modelCheckFacts(await openModel(trace.model.path));
    return { ...(trace.model.architecture === 'decoder-only' ? factsFromInputs(inputs) : {}), checks: context };
  },
};

async function inspect(trace: Trace, r: InspectorRunner = runner): Promise<InspectorSnapshot> {
  let last: InspectorSnapshot | undefined;
  const session = new InspectorSession(r, (s) => (last = s));
  session.show(trace);
  await session.check();
  assert.ok(last && !last.checking);
  return last;
}

describe('masks implied by fused ops in the Masks view', () => {
  test('tiny-gpt-genai (GroupQueryAttention): implied by the op and node, agreeing with the observed zeros', async () => {
    const trace = await decode(await openModel(fixture('tiny-gpt-genai')), sessions, { text: PROMPT, maxNewTokens: 4 });
    const snapshot = await inspect(trace);
    const grids = snapshot.runs[0].grids.filter((g) => g.kind === 'self');
    assert.equal(grids.length, 2);
    for (const g of grids) {
      assert.ok(g.implied, `layer ${g.layer} has an implied mask`);
      assert.equal(g.implied.op, 'GroupQueryAttention');
      assert.equal(g.implied.node, `/model/layers.${g.layer}/attn/GroupQueryAttention`);
      assert.match(g.implied.detail, /^causal, seqlens_k /);
      // The op is causal: the implied grid is lower-triangular over every position, and what the kernel computed
      // has its exact zeros on the same cells.
      const n = trace.positions.length;
      assert.deepEqual(Array.from(g.implied.visible), causal(n).flat());
      assert.deepEqual(Array.from(g.implied.observed!), causal(n).flat());
      assert.equal(g.implied.differing, 0);
    }
    assert.deepEqual(snapshot.findings, []);
  });

  test('tiny-gpt-ort-optimized (com.microsoft Attention): unidirectional and the 2-D mask_index, in a rerun with a token hidden too', async () => {
    const model = await openModel(fixture('tiny-gpt-ort-optimized'));
    const trace = await decode(model, sessions, { text: PROMPT, maxNewTokens: 3 });
    let last: InspectorSnapshot | undefined;
    const session = new InspectorSession(runner, (s) => (last = s));
    session.show(trace);
    await session.check();
    const n = trace.input.tokens.length;
    const mask = Array.from({ length: n }, (_, i) => (i === 3 ? 0 : 1));
    await session.rerun(mask);
    const rerun = last!.runs.find((r) => r.role === 'rerun')!;
    for (const run of [last!.runs[0], rerun]) {
      const hidden = run === rerun ? [3] : [];
      for (const g of run.grids) {
        assert.equal(g.implied?.op, 'Attention');
        assert.match(g.implied!.detail, /unidirectional=1, 2-D mask_index/);
        const want = causal(run.positions.length, hidden).flat();
        assert.deepEqual(Array.from(g.implied!.visible), want, `${run.label} layer ${g.layer}`);
        assert.equal(g.implied!.differing, 0, `${run.label} layer ${g.layer}`);
      }
    }
  });

  test('a graph-built mask (tiny-gpt) has no implied grid', async () => {
    const trace = await decode(await openModel(fixture('tiny-gpt')), sessions, { text: PROMPT, maxNewTokens: 2 });
    const snapshot = await inspect(trace);
    assert.ok(snapshot.runs[0].grids.every((g) => g.implied === null));
  });

  test('where the op implies a window the probabilities do not keep, the differing cells are reported', async () => {
    // A plainly causal layer, with graph facts saying its GroupQueryAttention applies local_window_size=2: every
    // cell at least 2 keys back is hidden by the op but read by the capture — (n − 2)(n − 1)/2 of them.
    const n = 6;
    const trace = syntheticTrace(n, [{ attention: causal(n) }]);
    const implied = {
      label: 'implied by com.microsoft GroupQueryAttention (causal, local_window_size=2)',
      op: 'com.microsoft GroupQueryAttention',
      causal: 'end' as const,
      window: 2,
      padding: null,
    };
    const taps = [{ layer: 0, kind: 'self' as const, tensor: 'probs', mask: null, node: 'gqa_0', inferred, implied }];
    const snapshot = await inspect(trace, { ...runner, facts: async () => ({ checks: { taps } }) });
    const g = snapshot.runs[0].grids[0];
    assert.equal(g.implied?.node, 'gqa_0');
    assert.equal(g.implied?.detail, 'causal, local_window_size=2');
    assert.equal(g.implied?.differing, ((n - 2) * (n - 1)) / 2);
    for (let q = 0; q < n; q++)
      for (let k = 0; k < n; k++) assert.equal(g.implied!.differs[q * n + k], k <= q - 2 ? 1 : 0, `cell ${q},${k}`);
  });
});

const inferred = { kind: 'structure' as const, layer: 'structure' as const };
