// Occlusion against torch (make_bisect_fixture.py: each input token hidden through attention_mask, the same fed
// tokens) and against the ordinary decode with an attention-mask override hiding that one token.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseCommandLine } from '../../../src/cli/main';
import { occludeCommand } from '../../../src/cli/occlude';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { DecoderLensError } from '../../../src/core/errors';
import { HookedSessions, occlude, occludeSessions } from '../../../src/core/interventions';
import { tmpDir } from '../onnx/helpers';
import { fixture } from '../paths';

interface OcclusionRef {
  prompt?: string;
  source?: string;
  input_ids: number[];
  step: number;
  fed: number[];
  chosen: number;
  prob: number;
  hidden: number[];
}
const refOf = (name: string) => JSON.parse(readFileSync(fixture(name, 'occlusion_reference.json'), 'utf8')) as OcclusionRef;

const pool: HookedSessions[] = [];
after(() => Promise.all(pool.map((s) => s.clear())));

describe('occlusion', () => {
  for (const name of ['tiny-gpt', 'tiny-t5']) {
    test(`${name}: each input token's p and Δp with it hidden equal torch within 1e-4 (batched, 4 rows per run)`, async (t) => {
      const ref = refOf(name);
      const model = await openModel(fixture(name));
      const sessions = occludeSessions(model);
      pool.push(sessions);
      const o = await occlude(model, sessions, { text: ref.prompt ?? ref.source ?? '', step: ref.step, batch: 4 });
      assert.equal(o.chosen.id, ref.chosen, 'the chosen token');
      assert.deepEqual(o.fed, ref.fed, 'the fed positions');
      assert.ok(Math.abs(o.prob - ref.prob) <= 1e-4, `unoccluded p ${o.prob} vs torch ${ref.prob}`);
      assert.deepEqual(
        o.tokens.map((x) => x.id),
        ref.input_ids,
        'one entry per input token, in order',
      );
      let worst = 0;
      for (const x of o.tokens) {
        const expected = ref.hidden[x.index];
        worst = Math.max(worst, Math.abs(x.prob - expected));
        assert.ok(Math.abs(x.prob - expected) <= 1e-4, `token ${x.index}: p ${x.prob} vs torch ${expected}`);
        assert.ok(Math.abs(x.delta - (expected - ref.prob)) <= 1e-4, `token ${x.index}: Δp ${x.delta}`);
      }
      // The fixture's prompts have one token the choice hangs on: hiding it moves p the most.
      const most = o.tokens.reduce((a, b) => (b.delta < a.delta ? b : a));
      assert.equal(most.index, ref.hidden.indexOf(Math.min(...ref.hidden)));
      t.diagnostic(
        `max |Δ| vs torch over ${o.tokens.length} tokens: ${worst.toExponential(2)}; most: ${JSON.stringify(most.text)} Δp ${most.delta.toFixed(4)}`,
      );
    });
  }

  for (const name of ['tiny-gpt', 'tiny-t5']) {
    test(`${name}: step 0, each token's p equals the ordinary decode with that token masked (attentionMask override)`, async () => {
      const ref = refOf(name);
      const text = ref.prompt ?? ref.source ?? '';
      const model = await openModel(fixture(name));
      const sessions = occludeSessions(model);
      const plain = new SessionCache();
      pool.push(sessions);
      try {
        const o = await occlude(model, sessions, { text, step: 0, batch: 16 });
        let compared = 0;
        for (const x of o.tokens) {
          const attentionMask = o.tokens.map((_, j) => (j === x.index ? 0 : 1));
          const trace = await decode(model, plain, { text, maxNewTokens: 1, taps: false, attentionMask });
          const g = trace.generated[0];
          const p = g.id === o.chosen.id ? g.prob : g.top.find((y) => y.id === o.chosen.id)?.prob;
          if (p === undefined) continue; // fell out of the rerun's top 5
          assert.ok(Math.abs(p - x.prob) <= 1e-5, `token ${x.index}: occluded p ${x.prob} vs masked decode ${p}`);
          compared++;
        }
        assert.ok(compared >= o.tokens.length - 1, `compared ${compared} of ${o.tokens.length}`);
      } finally {
        await plain.clear();
      }
    });
  }

  test('models the mask cannot hide a token in: GroupQueryAttention refused, an ignored mask and mask-derived positions noted', async () => {
    const text = refOf('tiny-gpt').prompt!;
    await assert.rejects(
      occlude(await openModel(fixture('tiny-gpt-genai')), null, { text }),
      (e: unknown) => e instanceof DecoderLensError && /GroupQueryAttention/.test(e.message) && /model\.onnx/.test(e.message),
    );
    const ignores = await occlude(await openModel(fixture('tiny-gpt-ignores-mask')), null, { text, step: 1 });
    assert.ok(ignores.tokens.every((x) => x.delta === 0));
    assert.match(ignores.notes.join(' '), /may ignore attention_mask/);
    const fromMask = await occlude(await openModel(fixture('tiny-gpt-positions-from-mask')), null, { text, step: 1 });
    assert.match(fromMask.notes.join(' '), /takes no position_ids/);
    const plain = await occlude(await openModel(fixture('tiny-gpt')), null, { text, step: 1 });
    assert.deepEqual(plain.notes, []);
  });

  test('CLI: occlude --json writes a plain report, the summary lists every input token', async () => {
    const ref = refOf('tiny-gpt');
    const dir = tmpDir();
    const file = join(dir, 'occlusion.json');
    const argv = ['occlude', '--model', fixture('tiny-gpt'), '--text', ref.prompt!, '--step', String(ref.step)];
    await occludeCommand(fixture('tiny-gpt'), parseCommandLine([...argv, '--json', file]));
    const json = JSON.parse(readFileSync(file, 'utf8')) as { chosen: { id: number }; tokens: { prob: number }[] };
    assert.equal(json.chosen.id, ref.chosen);
    json.tokens.forEach((x, i) => assert.ok(Math.abs(x.prob - ref.hidden[i]) <= 1e-4));
    let out = '';
    await occludeCommand(fixture('tiny-gpt'), parseCommandLine(argv), (s) => (out += s));
    assert.equal(out.trim().split('\n').length, 1 + ref.input_ids.length);
    assert.match(out, /Δp -0\.99/);
  });
});
