/**
 * The Masks view checks with the graph facts the worker reads (attention op types, taps, the declared sliding
 * window), and the nn.Transformer export in the panel: a model that ignores the window its config.json declares
 * gets the window finding, a GroupQueryAttention model (lengths, not a mask) gets none and a note why, and the
 * torch nn.Transformer encoder-decoder shows its cross attention (2 layers, 4 heads) with no finding.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import { activateExtension, decodeSelection, repoRoot, selectNewText, until as waitUntil } from './helpers';

const GPT_TEXT = 'copy: the red fox saw a big moon =';
const SEQ2SEQ_TEXT = 'the red fox saw a big moon';
const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'models', name);

const until = <T>(what: string, probe: () => T | undefined | false) => waitUntil(what, probe, 60_000);

suite('Masks view with graph facts; the nn.Transformer export in the panel', () => {
  let api: DecoderLensApi;
  const config = () => vscode.workspace.getConfiguration('decoderLens');

  suiteSetup(async () => {
    api = (await activateExtension()).exports as DecoderLensApi;
  });

  suiteTeardown(() => config().update('modelPath', undefined, vscode.ConfigurationTarget.Global));

  async function decodeWith(model: string, text: string): Promise<Trace> {
    await config().update('modelPath', fixture(model), vscode.ConfigurationTarget.Global);
    await selectNewText(text);
    const trace = await decodeSelection(90_000, 'Decode Selection');
    assert.ok(trace, 'Decode Selection returned a trace');
    return trace;
  }

  /** The Masks view's findings and notes once its checks (probes included) have run on `trace`. */
  async function checked(trace: Trace) {
    await vscode.commands.executeCommand(Commands.openMaskInspector);
    await until('the inspector to follow the decode', () => api.masks.session.original?.createdAt === trace.createdAt);
    await api.masks.session.check();
    const snapshot = await until('the checks to finish', () => {
      const s = api.masks.session.snapshot();
      return s && !s.checking ? s : undefined;
    });
    return { findings: snapshot.findings.map((f) => [f.check, f.message] as const), notes: snapshot.checkNotes };
  }

  test('a model that ignores its declared sliding window: the window finding (the check needs config.json)', async () => {
    const { findings } = await checked(await decodeWith('tiny-gpt-window-ignored', GPT_TEXT));
    assert.deepEqual(
      findings.map(([check]) => check),
      ['window'],
      JSON.stringify(findings),
    );
  });

  test('the same window honoured: no finding', async () => {
    const { findings } = await checked(await decodeWith('tiny-gpt-window', GPT_TEXT));
    assert.deepEqual(findings, []);
  });

  test('GroupQueryAttention (ONNX Runtime GenAI): no finding, and a note that the mask probe was not run', async () => {
    const { findings, notes } = await checked(await decodeWith('tiny-gpt-genai', GPT_TEXT));
    assert.deepEqual(findings, []);
    assert.ok(
      notes.some((n) => /sequence lengths/.test(n)),
      notes.join('\n'),
    );
  });

  test('torch nn.Transformer: the panel has cross attention on 2 layers of 4 heads, and the Masks view no finding', async () => {
    const trace = await decodeWith('tiny-nn-transformer', SEQ2SEQ_TEXT);
    assert.equal(trace.model.architecture, 'encoder-decoder');
    const meta = await until('the panel to show the trace', () => {
      const shown = api.attention.current?.trace?.service.data.meta;
      return shown?.model.path === fixture('tiny-nn-transformer') && shown;
    });
    assert.deepEqual([meta.model.layers, meta.model.heads], [2, 4]);
    const cross = meta.captures.filter((c) => c.kind === 'cross');
    assert.deepEqual([...new Set(cross.map((c) => c.layer))].sort(), [0, 1], 'cross attention captured on both layers');
    for (const c of cross) {
      assert.equal(c.heads, 4, `cross L${c.layer} has 4 heads`);
      assert.equal(c.keys, trace.input.tokens.length, 'cross attention keys are the source tokens');
    }
    const { findings } = await checked(trace);
    assert.deepEqual(findings, []);
  });
});
