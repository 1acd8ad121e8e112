/**
 * A rerun as the inspector makes it (the original's settings with an edited mask) equals torch run with that
 * attention_mask, and comparing runs: a run with itself is all zeros, a hidden token shows where it mattered.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { softmax } from '../../../src/core/decode/sampling';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { compareRuns, jsdBits } from '../../../src/core/masks/compare';
import { maskProblem, rerunOptions } from '../../../src/core/masks/rerun';
import { InspectorSession } from '../../../src/host/inspector/session';
import type { InspectorSnapshot } from '../../../src/protocol/inspector';
import { assertAttention, assertClose, assertGreedy, reference, type Greedy, type RefAttention } from '../decode/reference';
import { fixture } from '../paths';
import { coreRunner } from './helpers';

interface GptRef {
  prompt: string;
  max_new_tokens: number;
  masked: { attention_mask: number[]; logits_last: number[]; greedy: Greedy; attention: RefAttention[] };
}
interface T5Ref {
  source: string;
  max_new_tokens: number;
  masked: { encoder_attention_mask: number[]; greedy: Greedy; attention: RefAttention[] };
}

const sessions = new SessionCache();
after(() => sessions.clear());
const gpt = reference<GptRef>('tiny-gpt');
const t5 = reference<T5Ref>('tiny-t5');

async function original(name: string, text: string, maxNewTokens: number) {
  const model = await openModel(fixture(name));
  return decode(model, sessions, { text, maxNewTokens });
}

describe('rerun with a mask override', () => {
  test('tiny-gpt, prompt tokens 3 and 5 hidden: logits, greedy tokens and attention equal torch', async () => {
    const trace = await original('tiny-gpt', gpt.prompt, gpt.max_new_tokens);
    const rerun = await decode(await openModel(trace.model.path), sessions, rerunOptions(trace, gpt.masked.attention_mask));
    assert.deepEqual(rerun.input.attentionMask, gpt.masked.attention_mask);
    // The first step's distribution is softmax of torch's last-position logits under that mask.
    const probs = softmax(gpt.masked.logits_last);
    for (const t of rerun.generated[0].top) assertClose(t.prob, probs[t.id], 1e-4, `p(${t.id}) at step 0`);
    assertGreedy(rerun, gpt.masked.greedy);
    assertAttention(rerun.attention, gpt.masked.attention);
  });

  test('tiny-t5, source tokens 2 and 4 hidden: greedy tokens and encoder/self/cross attention equal torch', async () => {
    const trace = await original('tiny-t5', t5.source, t5.max_new_tokens);
    const rerun = await decode(await openModel(trace.model.path), sessions, rerunOptions(trace, t5.masked.encoder_attention_mask));
    assertGreedy(rerun, t5.masked.greedy);
    assertAttention(rerun.attention, t5.masked.attention);
  });

  test('masks that cannot run are refused in words', async () => {
    const trace = await original('tiny-t5', t5.source, 2);
    assert.match(maskProblem(trace, [1, 0])!, /has 2 values but the input has 8 tokens/);
    assert.match(
      maskProblem(
        trace,
        trace.input.tokens.map(() => 0),
      )!,
      /show at least one/,
    );
    assert.equal(
      maskProblem(
        trace,
        trace.input.tokens.map(() => 1),
      ),
      null,
    );
  });
});

describe('comparing two runs', () => {
  for (const [name, text] of [
    ['tiny-gpt', gpt.prompt],
    ['tiny-t5', t5.source],
  ]) {
    test(`${name}: a run compared with itself, and with a rerun of the same mask, is all zeros`, async () => {
      const a = await original(name, text, 8);
      const b = await decode(await openModel(a.model.path), sessions, rerunOptions(a, a.input.attentionMask));
      for (const c of [compareRuns(a, a), compareRuns(a, b)]) {
        assert.equal(c.firstChanged, null);
        assert.ok(c.steps.length > 0);
        for (const s of c.steps) assert.equal(s.delta, 0, `step ${s.step}`);
        assert.ok(c.divergence.length >= (name === 'tiny-t5' ? 3 : 1));
        for (const d of c.divergence) {
          assert.ok(d.rows > 0);
          assert.ok(d.mean.every((v) => v === 0) && d.max.every((v) => v === 0), `${d.kind}: ${Array.from(d.max)}`);
        }
      }
    });
  }

  test('tiny-t5 with source tokens hidden: the first changed token, probability deltas, and divergence only where it looks', async () => {
    const a = await original('tiny-t5', t5.source, t5.max_new_tokens);
    const b = await decode(await openModel(a.model.path), sessions, rerunOptions(a, t5.masked.encoder_attention_mask));
    const c = compareRuns(a, b);
    const step = a.generated.findIndex((g, i) => g.id !== b.generated[i]?.id);
    assert.ok(step >= 0, 'hiding two source words changes the output');
    assert.equal(c.firstChanged?.step, step);
    assert.equal(c.firstChanged?.a, a.generated[step].text);
    assert.equal(c.firstChanged?.b, b.generated[step].text);
    assert.ok(c.steps[step].delta < 0, 'the original token lost probability where it changed');
    assert.ok(c.steps.slice(step + 1).every((s) => s.afterChange));
    const cross = c.divergence.find((d) => d.kind === 'cross')!;
    assert.ok(Math.max(...cross.max) > 0.05, 'cross attention moved');
    assert.equal(cross.rows, step + 1, 'rows compared: the decoder positions both runs share');
  });

  test('the session: rerun, comparison, switching and reset', async () => {
    const trace = await original('tiny-t5', t5.source, t5.max_new_tokens);
    let last: InspectorSnapshot | null = null;
    const session = new InspectorSession(coreRunner(sessions), (s) => (last = s));
    session.show(trace);
    await session.check();
    const snap = (await session.rerun(t5.masked.encoder_attention_mask))!;
    assert.equal((last as InspectorSnapshot | null)?.seq, snap.seq, 'the view was told');
    assert.deepEqual(
      snap.runs.map((r) => r.role),
      ['original', 'rerun'],
    );
    assert.equal(snap.activeRunId, snap.runs[1].runId);
    assert.match(snap.runs[1].label, /2 tokens hidden/);
    assert.ok(snap.comparison?.firstChanged);
    assert.deepEqual(snap.findings, [], 'the correct model stays silent with the override too');
    assert.equal(session.activate(snap.runs[0].runId), trace);
    const reset = session.reset()!;
    assert.deepEqual(
      reset.runs.map((r) => r.role),
      ['original'],
    );
    assert.equal(reset.comparison, null);
    await assert.rejects(session.rerun([1, 1]), /has 2 values/);
  });

  test('Jensen–Shannon divergence: 0 for the same row, 1 for disjoint rows, symmetric', () => {
    assert.equal(jsdBits([0.2, 0.8, 0], [0.2, 0.8, 0]), 0);
    assertClose(jsdBits([1, 0], [0, 1]), 1, 1e-12, 'disjoint');
    assertClose(jsdBits([0.9, 0.1], [0.5, 0.5]), jsdBits([0.5, 0.5], [0.9, 0.1]), 1e-15, 'symmetric');
  });
});
