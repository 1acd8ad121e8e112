/**
 * The layer bisector in the real VS Code: after decoding the demo line (tiny-gpt), "Bisect Against…" the
 * fixture whose layer 1 MLP weights a script flipped (tiny-gpt-perturbed) compares the two, bisects them in the
 * worker and shows the verdict in the compare view, which reports the layer it drew; "Compare With…" a model then
 * bisecting from the view (what its "Bisect layers" button asks the host) does the same.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BisectReport } from '../../src/core/interventions/bisectReport';
import type { ComparePanels } from '../../src/host/compare/comparePanel';
import { Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import type { CompareRendered } from '../../src/protocol/compare';
import type { CompareResult } from '../../src/protocol/worker';
import { activateExtension, decodeSelection, demoModel, repoRoot, selectSampleLine, settlesWithin, until as waitUntil } from './helpers';

const COMMAND_MS = 120_000;
const perturbed = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-gpt-perturbed');

/** Polls `probe`; generous, as the webview draws late on a loaded machine (a 30 s wait timed out at load 30). */
const until = <T>(what: string, probe: () => T | undefined | false, ms = 90_000) =>
  waitUntil(what, probe, ms, () => {
    const panel = compare?.current;
    return (
      `view ${panel ? (panel.panel.visible ? 'visible' : 'hidden') : 'closed'}, shows ${panel?.comparison?.compareId}` +
      `${panel?.comparison?.bisect ? ' with a bisect report' : ''}, last drew ${JSON.stringify(panel?.rendered ?? null)}`
    );
  });

let compare: ComparePanels | undefined;

suite('Layer bisector in the compare view', function () {
  // Two decodes, a bisect and two webview draws each: minutes on a loaded machine.
  this.timeout(300_000);
  /** The layer the fixture script perturbed (its reference file says which). */
  let planted: number;

  suiteSetup(async function () {
    if (!fs.existsSync(path.join(perturbed, 'config.json'))) this.skip();
    planted = (JSON.parse(fs.readFileSync(path.join(perturbed, 'bisect_reference.json'), 'utf8')) as { planted: { layer: number } }).planted
      .layer;
    const api = (await activateExtension()).exports as DecoderLensApi;
    compare = api.compare;
    await selectSampleLine();
    const trace = await decodeSelection(COMMAND_MS);
    assert.ok(trace, 'Decode Selection returned a trace');
    assert.equal(trace.model.path, demoModel);
  });

  /** What the view reports it drew for the comparison now shown, once it drew a bisect report. */
  const drawnBisect = (what: string) =>
    until<CompareRendered>(what, () => {
      const panel = compare!.current;
      const id = panel?.comparison?.compareId;
      return id !== undefined && panel?.rendered?.compareId === id && panel.rendered.bisect.verdict !== null ? panel.rendered : undefined;
    });

  test('Bisect Against… the perturbed model: the view’s verdict names the planted layer', async () => {
    const report = await settlesWithin(
      vscode.commands.executeCommand<BisectReport | undefined>(Commands.bisectAgainst, vscode.Uri.file(perturbed)),
      COMMAND_MS,
      Commands.bisectAgainst,
    );
    assert.ok(report, 'Bisect Against… returned the report');
    assert.equal(report.b.path, perturbed);
    assert.ok(report.divergence, 'B departs from A');
    const drawn = await drawnBisect('the compare view to draw the bisect section');
    assert.equal(drawn.bisect.restoredAfter, planted, `the view drew layer ${drawn.bisect.restoredAfter}; the fixture planted ${planted}`);
    assert.match(drawn.bisect.verdict ?? '', new RegExp(`^layer ${planted}: p\\(`));
    assert.equal(drawn.bisect.layers, report.layers.length);
    // The command returns a view of the report (its summary is what crosses to the workbench): equal, not identical.
    assert.deepStrictEqual(compare!.current?.comparison?.bisect, report, 'the comparison shown carries the report (saved with the view)');
    assert.match(compare!.current?.comparison?.report.b.label ?? '', /tiny-gpt-perturbed$/);
  });

  test('Compare With… a model offers the bisector; running it from the view draws the same verdict', async () => {
    const result = await settlesWithin(
      vscode.commands.executeCommand<CompareResult | undefined>(Commands.compareWith, vscode.Uri.file(perturbed)),
      COMMAND_MS,
      Commands.compareWith,
    );
    assert.ok(result);
    const open = await until('the new comparison to be drawn, offering the bisector', () => {
      const panel = compare!.current;
      const o = panel?.comparison;
      return o && !o.bisect && panel.rendered?.compareId === o.compareId && panel.rendered.bisect.offered ? o : undefined;
    });
    assert.deepEqual([open.models?.a.path, open.models?.b.path], [demoModel, perturbed]);
    // What the view's "Bisect layers" button asks the host for.
    const report = await settlesWithin(compare!.bisect(open), COMMAND_MS, 'bisect from the view');
    assert.equal(report.restoredAfter, planted);
    const drawn = await drawnBisect('the compare view to draw the bisect section');
    assert.equal(drawn.compareId, open.compareId, 'the same comparison, now with its bisect section');
    assert.equal(drawn.bisect.restoredAfter, planted);
  });
});
