/**
 * A newcomer's workspace with several models and none chosen: Decode Selection asks which one (the real quick
 * pick, accepted the way a person presses Enter) instead of silently decoding with the demo model, and the
 * choice is remembered for the workspace. The two models are copies of fixtures, placed in the opened folder.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import { activateExtension, demoModel, repoRoot, settlesWithin } from './helpers';

const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'models', name);

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Pick = vscode.QuickPickItem & { modelPath?: string };

/** Records each quick pick the extension opens (items and options) and lets the real one show. */
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

suite('Decode Selection asks which model when the workspace has several', () => {
  let api: DecoderLensApi;
  let folder: string;
  let editor: vscode.TextEditor;

  suiteSetup(async function () {
    if (!fs.existsSync(path.join(fixture('tiny-gpt-finetuned'), 'config.json'))) this.skip();
    api = (await activateExtension()).exports as DecoderLensApi;
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    folder = path.join(root, 'several-models-test');
    fs.rmSync(folder, { recursive: true, force: true });
    fs.cpSync(fixture('tiny-gpt'), path.join(folder, 'gpt-a'), { recursive: true });
    fs.cpSync(fixture('tiny-gpt-finetuned'), path.join(folder, 'gpt-b'), { recursive: true });
    await api.registry.choose(undefined);
    api.registry.refresh();
    await until('the registry to find both models', async () => (await api.registry.discover()).length === 2);
    editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(path.join(root, 'sample.txt')));
    const line = editor.document.lineAt(0).range;
    editor.selection = new vscode.Selection(line.start, line.end);
  });

  suiteTeardown(async () => {
    if (!api) return;
    await api.registry.choose(undefined);
    fs.rmSync(folder, { recursive: true, force: true });
    api.registry.refresh();
    await until('the registry to forget the copied models', async () => (await api.registry.discover()).length === 0);
    assert.equal((await api.registry.active()).path, demoModel, 'the other suites decode with the demo model again');
  });

  test('none chosen: the quick pick lists both models; the pick decodes and is remembered', async () => {
    const before = await api.registry.active();
    assert.equal(before.source, 'unchosen');
    const picks = watchQuickPicks();
    try {
      const decoding = settlesWithin(
        vscode.commands.executeCommand<Trace | undefined>(Commands.decodeSelection),
        90_000,
        Commands.decodeSelection,
      );
      let settled = false;
      void decoding.finally(() => (settled = true)).catch(() => undefined);
      await until('the model quick pick', () => picks.shown.length > 0);
      const offered = picks.shown[0].items.filter((i) => i.modelPath && i.modelPath !== demoModel).map((i) => i.modelPath);
      assert.deepEqual(offered, [path.join(folder, 'gpt-a'), path.join(folder, 'gpt-b')]);
      assert.match(picks.shown[0].options?.placeHolder ?? '', /2 models/);
      // Enter on the real quick pick (its first item is active), retried until the UI has it open.
      await until('the decode after the pick', async () => {
        if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        return settled;
      });
      const trace = await decoding;
      assert.ok(trace, 'Decode Selection returned a trace');
      assert.equal(trace.model.path, path.join(folder, 'gpt-a'));
      const after = await api.registry.active();
      assert.deepEqual([after.source, after.path], ['chosen', path.join(folder, 'gpt-a')]);

      // Remembered: the next decode asks nothing. (Back in the editor first, as a person would be: the panel and
      // the quick pick that just closed may hold the focus.)
      editor = await vscode.window.showTextDocument(editor.document, editor.viewColumn);
      const line = editor.document.lineAt(0).range;
      editor.selection = new vscode.Selection(line.start, line.end);
      const again = await settlesWithin(
        vscode.commands.executeCommand<Trace | undefined>(Commands.decodeSelection),
        60_000,
        Commands.decodeSelection,
      );
      assert.equal(picks.shown.length, 1, 'no second quick pick');
      assert.equal(again?.model.path, path.join(folder, 'gpt-a'));
    } finally {
      picks.dispose();
    }
  });
});
