/**
 * The interventions view in the real VS Code: after decoding the demo line, Rank Heads charts every head's drop
 * in the view (its "Open as text" still gives the text report), Why This Token? adds the occlusion bars, and Patch
 * Activations… (the corrupted input given as the argument the input box would return) draws a layer × position
 * heatmap whose values are what the core computes for the same two inputs (`decoder-lens patch --json`, run as a
 * separate process on the same model).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HeadRanking } from '../../src/core/interventions/rank';
import type { Occlusion } from '../../src/core/interventions/occlude';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import type { InterventionsPanels } from '../../src/host/interventions/interventionsPanel';
import type { InterventionKind, InterventionsRendered } from '../../src/protocol/interventions';
import type { PatchResult } from '../../src/protocol/worker';
import { activateExtension, captureErrorMessages, decodeSelection, repoRoot, selectSampleLine, settlesWithin, until } from './helpers';

const COMMAND_MS = 90_000;
const CORRUPT = 'copy: a red fox saw a big moon =';

/**
 * What the view reported drawing for the result of `kind` the host holds now. A loaded machine can take a minute
 * to start a webview, so the wait is long; a timeout says what the view had drawn.
 */
const renderedNow = (views: InterventionsPanels, kind: InterventionKind): Promise<InterventionsRendered> =>
  until(
    `the interventions view to draw the ${kind} (it drew: ${JSON.stringify([...(views.current?.rendered.values() ?? [])].map((r) => r.id))}, the host holds ${views.current?.results[kind]?.id})`,
    () => {
      const panel = views.current;
      const r = panel?.rendered.get(kind);
      return panel && r && r.id === panel.results[kind]?.id && r;
    },
    150_000,
  );

suite('Interventions view (Rank Heads, Why This Token?, Patch Activations…)', () => {
  let api: DecoderLensApi;
  let decoded: Trace;

  suiteSetup(async () => {
    api = (await activateExtension()).exports as DecoderLensApi;
    await selectSampleLine();
    const trace = await decodeSelection(COMMAND_MS);
    assert.ok(trace && trace.generated.length > 0, 'Decode Selection generated tokens');
    decoded = trace;
  });

  test('Rank Heads: the view draws every self-attention head and the largest drops in order; Open as text gives the report', async function () {
    this.timeout(4 * COMMAND_MS);
    const ranking = await settlesWithin(
      vscode.commands.executeCommand<HeadRanking | undefined>(Commands.rankHeads, 0),
      COMMAND_MS,
      Commands.rankHeads,
    );
    assert.ok(ranking, 'the command returned the ranking');
    assert.equal(ranking.chosen.text, decoded.generated[0].text, 'it scores the token the decode chose first');
    const expected = decoded.attention.filter((a) => a.kind === 'self').reduce((n, a) => n + a.heads, 0);
    assert.equal(ranking.heads.length, expected, 'one entry per self-attention head');
    for (const h of ranking.heads) assert.ok(Math.abs(ranking.prob - h.prob - h.drop) < 1e-6, 'drop is p − p with the head zeroed');

    const views = api.interventions;
    const shown = views.current?.results.ranking;
    assert.ok(shown, 'the ranking is in the view');
    assert.deepEqual(shown.heads, ranking.heads, 'the view got the worker’s ranking unchanged');
    const rendered = await renderedNow(views, 'ranking');
    assert.deepEqual(rendered.kinds, ['self']);
    assert.equal(rendered.cells, expected, 'a layer × head heatmap cell per head (the demo model has as many heads per layer)');
    const sorted = [...ranking.heads].sort((a, b) => b.drop - a.drop);
    assert.equal(rendered.bars[0].label, `L${sorted[0].layer}.H${sorted[0].head}`, 'the first bar is the largest drop');
    assert.equal(rendered.bars[0].value, sorted[0].drop);
    for (let i = 1; i < rendered.bars.length; i++) assert.ok(rendered.bars[i - 1].value >= rendered.bars[i].value, 'bars sorted');

    await views.current!.openText(shown.id);
    const doc = await until('the text report', () => {
      const d = vscode.window.activeTextEditor?.document;
      return d?.isUntitled && d.getText().startsWith('Decoder Lens: head ranking') && d;
    });
    const firstRow = doc.getText().split('\n')[5];
    assert.ok(firstRow.startsWith(`L${sorted[0].layer}.H${sorted[0].head} `), `the report’s first row is the largest drop: ${firstRow}`);
  });

  test('Why This Token?: the occlusion also shows in the view, one bar per input token in order', async function () {
    this.timeout(4 * COMMAND_MS);
    const occlusion = await settlesWithin(
      vscode.commands.executeCommand<Occlusion | undefined>(Commands.whyThisToken, 0),
      COMMAND_MS,
      Commands.whyThisToken,
    );
    assert.ok(occlusion, 'the command returned the occlusion');
    assert.equal(api.decorations.occlusion?.resultId, api.store.current!.id, 'the editor tint is still set');
    const rendered = await renderedNow(api.interventions, 'occlusion');
    assert.deepEqual(
      rendered.bars.map((b) => b.value),
      occlusion.tokens.map((t) => t.delta),
    );
    assert.equal(rendered.bars.length, decoded.input.tokens.length);
  });

  test('Patch Activations…: the heatmap holds the recovered fraction the core computes for the two inputs', async function () {
    this.timeout(4 * COMMAND_MS);
    const clean = decoded.input.text;
    assert.equal(clean, 'copy: the red fox saw a big moon =', 'the demo line');
    const result = await settlesWithin(
      vscode.commands.executeCommand<PatchResult | undefined>(Commands.patchActivations, CORRUPT),
      COMMAND_MS,
      Commands.patchActivations,
    );
    assert.ok(result, 'the command returned the sweep');
    const rendered = await renderedNow(api.interventions, 'patching');
    const T = result.cleanIds.length;
    assert.equal(rendered.cells, result.layers.length * T);

    // The core, run apart from the extension: the CLI on the same model and inputs.
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dl-patch-')), 'patch.json');
    const cli = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'dist', 'cli.js'),
        'patch',
        '--model',
        decoded.model.path,
        '--clean-text',
        clean,
        '--corrupt-text',
        CORRUPT,
        '--json',
        out,
      ],
      { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
    );
    assert.equal(cli.status, 0, cli.stderr);
    const core = JSON.parse(fs.readFileSync(out, 'utf8')) as { recovered: (number | null)[][]; cleanProb: number; corruptProb: number };
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    assert.ok(core.cleanProb - core.corruptProb > 0.5, 'editing the copied word takes the clean answer away');
    assert.deepEqual(rendered.values, core.recovered.flat(), 'the heatmap’s values are the core’s');
    assert.ok(Math.max(...(rendered.values ?? []).map((v) => v ?? -Infinity)) > 0.9, 'some cell brings the clean answer back');
  });

  test('Patch Activations…: inputs of different token lengths get a clear message, not a heatmap', async () => {
    const before = api.interventions.current?.results.patching?.id;
    const { result, messages } = await captureErrorMessages(() =>
      settlesWithin(
        vscode.commands.executeCommand<PatchResult | undefined>(Commands.patchActivations, 'copy: a fox ='),
        COMMAND_MS,
        Commands.patchActivations,
      ),
    );
    assert.equal(result, undefined);
    assert.ok(
      messages.some((m) => /same token length/.test(m)),
      `the message names the problem: ${messages.join(' | ')}`,
    );
    assert.equal(api.interventions.current?.results.patching?.id, before, 'the view keeps the last sweep');
  });
});
