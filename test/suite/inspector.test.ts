/**
 * The Masks view in the real VS Code: it follows a decode of the encoder-decoder fixture, a rerun with one
 * source token hidden changes the prediction and the view shows it, and a broken model's finding reaches it.
 * The view reports what it rendered (the `rendered` event); the test reads that through the host API.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import type { MasksViewProvider } from '../../src/host/inspector/masksView';
import type { InspectorRendered } from '../../src/protocol/inspector';
import { activateExtension, decodeSelection, repoRoot, selectNewText, until } from './helpers';

const SOURCE = 'the red fox saw a big moon';
const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'models', name);

suite('Mask inspector', () => {
  let masks: MasksViewProvider;
  const config = () => vscode.workspace.getConfiguration('decoderLens');

  suiteSetup(async () => {
    const api = (await activateExtension()).exports as DecoderLensApi & { masks?: MasksViewProvider };
    assert.ok(api.masks, 'activate() returns the mask inspector as `masks` (see the wiring in src/host/extension.ts)');
    masks = api.masks;
  });

  suiteTeardown(() => config().update('modelPath', undefined, vscode.ConfigurationTarget.Global));

  async function decodeWith(model: string): Promise<Trace> {
    await config().update('modelPath', fixture(model), vscode.ConfigurationTarget.Global);
    await selectNewText(SOURCE);
    const trace = await decodeSelection(60_000, 'Decode Selection');
    assert.ok(trace, 'Decode Selection returned a trace');
    return trace;
  }

  /** Waits until the view has rendered a snapshot that passes `check`. */
  const rendered = (what: string, check: (r: InspectorRendered) => boolean) =>
    until(what, () => masks.rendered && check(masks.rendered) && masks.rendered);

  test('opens after a decode, hides one source token, reruns and shows the changed prediction', async () => {
    const trace = await decodeWith('tiny-t5');
    assert.equal(trace.model.architecture, 'encoder-decoder');
    await vscode.commands.executeCommand(Commands.openMaskInspector);
    const seq = await until(
      'the inspector to follow the decode',
      () => masks.session.original?.createdAt === trace.createdAt && masks.session.snapshot()!.seq,
    );
    const first = await rendered('the view to show the decode', (r) => r.seq === seq);
    assert.equal(first.pendingMask.length, trace.input.tokens.length);
    await until('the checks to finish', () => masks.session.snapshot()?.checking === false);
    assert.deepEqual(
      masks.session.snapshot()!.findings.map((f) => f.message),
      [],
      'the correct model has no finding',
    );

    const activated: Trace[] = [];
    const subscription = masks.onDidActivateRun((t) => activated.push(t));
    try {
      const mask = trace.input.tokens.map((_, i) => (i === 2 ? 0 : 1));
      const snapshot = await masks.rerun(mask);
      const rerunId = snapshot!.runs.find((r) => r.role === 'rerun')!.runId;
      const shown = await rendered('the view to show the rerun', (r) => r.runId === rerunId && r.firstChanged !== null);
      const rerun = masks.session.rerunTrace!;
      assert.deepEqual(rerun.input.attentionMask, mask);
      assert.notEqual(rerun.generatedText, trace.generatedText, 'hiding “fox” changes the reversed sentence');
      assert.match(shown.firstChanged!, /^First changed token: step \d+, “.+” → “.+”\.$/);
      assert.equal(shown.generated[rerunId], rerun.generatedText);
      assert.equal(activated.at(-1), rerun, 'the rerun is offered to the attention panel');
    } finally {
      subscription.dispose();
    }
  });

  test('GroupQueryAttention: the view shows the mask the op implies, named by op and node, agreeing with the observed zeros', async () => {
    const trace = await decodeWith('tiny-gpt-genai');
    await vscode.commands.executeCommand(Commands.openMaskInspector);
    // The implied masks come with the worker's graph facts, read when the checks run.
    const snapshot = await until('the checks to finish', () => {
      const s = masks.session.snapshot();
      return s && !s.checking && s.model.path === fixture('tiny-gpt-genai') ? s : undefined;
    });
    const n = trace.positions.length;
    const grids = snapshot.runs[0].grids;
    assert.deepEqual(
      grids.map((g) => [g.kind, g.layer, g.implied?.op, g.implied?.node, g.implied?.differing]),
      [0, 1].map((layer) => ['self', layer, 'GroupQueryAttention', `/model/layers.${layer}/attn/GroupQueryAttention`, 0]),
    );
    // Causal over every position: row q sees keys 0 … q.
    const causal = Array.from({ length: n * n }, (_, i) => (i % n <= Math.floor(i / n) ? 1 : 0));
    assert.deepEqual(Array.from(grids[0].implied!.visible), causal);
    assert.deepEqual(snapshot.findings, []);
    const shown = await rendered('the view to show the implied mask', (r) => r.seq === snapshot.seq && !!r.implied);
    assert.equal(shown.implied, `Implied by GroupQueryAttention (/model/layers.${shown.layer}/attn/GroupQueryAttention)`);
  });

  test('a deliberately broken model: the finding reaches the view', async () => {
    await decodeWith('tiny-t5-cross-reads-padding');
    await vscode.commands.executeCommand(Commands.openMaskInspector);
    const snapshot = await until('the checks to finish', () => {
      const s = masks.session.snapshot();
      return s && !s.checking && s.model.path === fixture('tiny-t5-cross-reads-padding') ? s : undefined;
    });
    assert.deepEqual([...new Set(snapshot.findings.map((f) => f.check))], ['cross-padding']);
    await rendered('the view to list the finding', (r) => r.seq === snapshot.seq && r.findings === 1);
  });
});
