/**
 * A transformers.js folder with several variants (model.onnx, model_q4.onnx, …) in the real VS Code: Select Model
 * takes the folder and its variant (a second quick pick when only the folder is given), Decode Selection runs the
 * chosen variant's file and the panel names it, and Compare With… runs fp32 against q4 of the same folder.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import type { CompareResult } from '../../src/protocol/worker';
import { activateExtension, repoRoot, settlesWithin } from './helpers';

const COMMAND_MS = 90_000;
const tjs = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-gpt-tjs');
const fileNames = (files: string[] | undefined) => (files ?? []).map((f) => path.basename(f));

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Pick = vscode.QuickPickItem;

/** Records each quick pick the extension opens and lets the real one show. */
function watchQuickPicks(): { shown: { items: Pick[]; options?: vscode.QuickPickOptions }[]; dispose(): void } {
  const window = vscode.window as { showQuickPick: (...args: unknown[]) => Thenable<unknown> };
  const original = window.showQuickPick;
  const shown: { items: Pick[]; options?: vscode.QuickPickOptions }[] = [];
  window.showQuickPick = (items: unknown, options?: unknown, ...rest: unknown[]) => {
    void Promise.resolve(items as Pick[] | Thenable<Pick[]>).then((list) =>
      shown.push({ items: list, options: options as vscode.QuickPickOptions }),
    );
    return original.call(vscode.window, items, options, ...rest);
  };
  return { shown, dispose: () => (window.showQuickPick = original) };
}

suite('Model variants: Select Model, Decode Selection and Compare With… on a transformers.js folder', () => {
  let api: DecoderLensApi;

  suiteSetup(async function () {
    if (!fs.existsSync(path.join(tjs, 'onnx', 'model_q4.onnx'))) this.skip();
    api = (await activateExtension()).exports as DecoderLensApi;
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, 'sample.txt')));
    const line = editor.document.lineAt(0).range;
    editor.selection = new vscode.Selection(line.start, line.end);
  });

  suiteTeardown(async () => {
    if (api) await api.registry.choose(undefined);
  });

  test('Select Model with the folder and q4: the decode runs model_q4.onnx and the panel names it', async () => {
    await vscode.commands.executeCommand(Commands.selectModel, { modelPath: tjs, variant: 'q4' });
    const active = await api.registry.active();
    assert.deepEqual([active.path, active.variant, active.source], [tjs, 'q4', 'chosen']);
    const trace = await settlesWithin(vscode.commands.executeCommand<Trace | undefined>(Commands.decodeSelection), COMMAND_MS, 'decode');
    assert.ok(trace, 'Decode Selection returned a trace');
    assert.deepEqual(trace.model.variant, { name: 'q4', dtype: 'q4' });
    assert.deepEqual(fileNames(trace.model.files), ['model_q4.onnx']);
    const meta = await until('the panel to show the q4 trace', () => {
      const m = api.attention.current?.trace?.service.data.meta.model;
      return m?.variant?.name === 'q4' ? m : undefined;
    });
    assert.deepEqual(meta.files, ['model_q4.onnx'], 'the panel header names the file that ran');
  });

  test('Select Model with the folder only: a second quick pick lists its variants, the current one first', async () => {
    const picks = watchQuickPicks();
    try {
      let settled = false;
      const selecting = Promise.resolve(vscode.commands.executeCommand(Commands.selectModel, { modelPath: tjs }));
      void selecting.finally(() => (settled = true)).catch(() => undefined);
      await until('the variant quick pick', () => picks.shown.length > 0);
      const labels = picks.shown[0].items.map((i) => i.label);
      assert.equal(labels[0], 'q4', 'the variant in use comes first (Enter keeps it)');
      assert.deepEqual([...labels].sort(), ['bnb4', 'fp16', 'fp32', 'int8', 'q4', 'q4f16']);
      const fp32 = picks.shown[0].items.find((i) => i.label === 'fp32');
      assert.equal(fp32?.detail, 'model.onnx', 'each variant names its files');
      assert.match(fp32?.description ?? '', /fp32 · .*(KB|MB)/);
      await until('Select Model to end after Enter', async () => {
        if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        return settled;
      });
      assert.equal((await api.registry.active()).variant, 'q4');
    } finally {
      picks.dispose();
    }
  });

  test('Compare With… fp32 of the same folder: both variants run and the sides are labelled by variant', async () => {
    const result = await settlesWithin(
      vscode.commands.executeCommand<CompareResult | undefined>(Commands.compareWith, vscode.Uri.file(tjs), 'fp32'),
      COMMAND_MS,
      Commands.compareWith,
    );
    assert.ok(result, 'Compare With… returned the comparison');
    assert.deepEqual(fileNames(result.a.model.files), ['model_q4.onnx']);
    assert.deepEqual(fileNames(result.b.model.files), ['model.onnx']);
    assert.equal(result.report.a.label, `${tjs} [q4]`);
    assert.equal(result.report.b.label, `${tjs} [fp32]`);
    assert.ok(result.report.steps.length > 0, 'the report compares the steps');
    const panel = await until('the compare view', () => api.compare.current);
    assert.equal(panel.comparison?.report.b.label, `${tjs} [fp32]`);
  });
});
