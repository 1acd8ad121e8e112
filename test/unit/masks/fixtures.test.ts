/**
 * The checks on real decodes (onnxruntime-node) of the fixture models: each deliberately broken fixture triggers
 * its check and only that one; the correct fixtures trigger none. Runs the host's session with the core as runner,
 * so the probes are planned, decoded and read exactly as in the extension.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import type { Trace } from '../../../src/core/trace/types';
import { decode, openModel } from '../../../src/core/decode';
import { InspectorSession } from '../../../src/host/inspector/session';
import type { InspectorSnapshot } from '../../../src/protocol/inspector';
import { fixture } from '../paths';
import { coreRunner } from './helpers';

const sessions = new SessionCache();
after(() => sessions.clear());

const PROMPT = 'copy: the red fox saw a big moon =';
const SOURCE = 'the red fox saw a big moon';

async function inspect(
  name: string,
  options: { useCache?: boolean; files?: string[] } = {},
): Promise<{ trace: Trace; snapshot: InspectorSnapshot; calls: string[] }> {
  const model = await openModel(fixture(name));
  if (options.files)
    model.layout = { ...model.layout, files: model.layout.files.filter((f) => options.files!.some((n) => f.path.endsWith(n))) };
  const text = model.layout.architecture === 'encoder-decoder' ? SOURCE : PROMPT;
  const trace = await decode(model, sessions, { text, maxNewTokens: 6, useCache: options.useCache ?? true });
  const calls: string[] = [];
  let last: InspectorSnapshot | undefined;
  const session = new InspectorSession(coreRunner(sessions, calls), (s) => (last = s));
  session.show(trace);
  await session.check();
  assert.ok(last && !last.checking, 'the checks finished');
  return { trace, snapshot: last, calls };
}

const checksOf = (s: InspectorSnapshot) => [...new Set(s.findings.map((f) => f.check))].sort();

describe('mask checks stay silent on the correct fixtures', () => {
  const cases: [string, { useCache?: boolean; files?: string[] }][] = [
    ['tiny-gpt', { files: ['decoder_model.onnx', 'decoder_with_past_model.onnx'] }],
    ['tiny-gpt', { files: ['decoder_model_merged.onnx'] }],
    ['tiny-gpt', { useCache: false, files: ['decoder_model.onnx'] }],
    ['tiny-t5', {}],
    ['tiny-t5', { useCache: false }],
    ['tiny-gpt-positions-from-mask', {}],
  ];
  for (const [name, options] of cases) {
    test(`${name} ${JSON.stringify(options)}: no finding, and the mask probe ran`, async () => {
      const { snapshot, calls } = await inspect(name, options);
      assert.deepEqual(
        snapshot.findings.map((f) => f.message),
        [],
      );
      assert.ok(
        calls.some((c) => /^probe .* [01]*0[01]*$/.test(c)),
        `a probe hid a token: ${calls.join('; ')}`,
      );
      assert.deepEqual(snapshot.checkNotes, []);
    });
  }

  test('tiny-gpt-positions-from-mask ran the padding probes (no position_ids input) and they agreed', async () => {
    const { calls } = await inspect('tiny-gpt-positions-from-mask');
    assert.equal(calls.filter((c) => c.startsWith('probe')).length, 3, calls.join('; '));
  });
});

describe('each deliberately broken fixture triggers its check', () => {
  const expected: [string, string, RegExp][] = [
    ['tiny-gpt-ignores-mask', 'mask-mismatch', /attention_mask is not applied/],
    ['tiny-gpt-no-causal', 'causal', /causal mask is missing/],
    ['tiny-gpt-kv-upper-left', 'causal-alignment', /aligned to the upper left/],
    ['tiny-gpt-positions-ignore-padding', 'positions', /Position ids ignore padding/],
    ['tiny-t5-cross-reads-padding', 'cross-padding', /Cross-attention reads encoder padding/],
  ];
  for (const [name, check, message] of expected) {
    test(`${name}: ${check}, and nothing else`, async (t) => {
      if (!existsSync(fixture(name, 'config.json'))) return t.skip(`${name} is missing: run npm run fixtures`);
      const { snapshot } = await inspect(name);
      assert.deepEqual(checksOf(snapshot), [check], snapshot.findings.map((f) => f.message).join('\n'));
      const finding = snapshot.findings[0];
      assert.match(finding.message, message);
      if (check !== 'positions') {
        assert.ok(finding.cellCount > 0 && finding.cells.length > 0, 'cells are named');
        // The cells are on the grids of the run that showed them.
        const run = snapshot.runs.find((r) => r.runId === finding.runId);
        assert.ok(run, `run ${finding.runId} is in the snapshot`);
        for (let i = 0; i < finding.cells.length; i += 4) {
          const grid = run.grids.find((g) => g.layer === finding.cells[i] && ['self', 'cross', 'encoder'][finding.cells[i + 1]] === g.kind);
          assert.ok(grid && finding.cells[i + 2] < grid.queries && finding.cells[i + 3] < grid.keys, 'cell inside its grid');
        }
      }
    });
  }

  test('the no-causal finding names cells above the diagonal, and the upper-left one only cached rows', async () => {
    const noCausal = (await inspect('tiny-gpt-no-causal')).snapshot.findings[0];
    for (let i = 0; i < noCausal.cells.length; i += 4) assert.ok(noCausal.cells[i + 3] > noCausal.cells[i + 2]);
    const { snapshot, trace } = await inspect('tiny-gpt-kv-upper-left');
    const f = snapshot.findings[0];
    assert.match(f.message, /key 0 instead of every earlier token/);
    for (let i = 0; i < f.cells.length; i += 4) assert.ok(f.cells[i + 2] >= trace.input.tokens.length, 'only rows of cached steps');
    // Without the cache the same model is fine: the bug is in the with-past branch only.
    const recompute = await inspect('tiny-gpt-kv-upper-left', { useCache: false });
    assert.deepEqual(checksOf(recompute.snapshot), []);
  });
});
