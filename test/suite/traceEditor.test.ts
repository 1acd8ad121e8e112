/**
 * A double-clicked .dltrace opens in Decoder Lens's read-only custom editor: the tab is an attention panel whose
 * webview loads the saved trace, and the Masks view follows it (as Open Trace does). A file that is not a trace
 * fails to open with a message naming it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { encodeTrace } from '../../src/core/trace/file';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import { activateExtension, settlesWithin } from './helpers';

async function until<T>(what: string, probe: () => T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

suite('.dltrace files open in the trace editor', () => {
  let api: DecoderLensApi;
  let dir: string;

  suiteSetup(async () => {
    api = (await activateExtension()).exports as DecoderLensApi;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'decoder-lens-traces-'));
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('opening a saved trace shows it in an attention panel tab, read-only, and the Masks view follows it', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, 'sample.txt')));
    const line = editor.document.lineAt(0).range;
    editor.selection = new vscode.Selection(line.start, line.end);
    const trace = await settlesWithin(vscode.commands.executeCommand<Trace | undefined>(Commands.decodeSelection), 60_000, 'decode');
    assert.ok(trace);
    const file = vscode.Uri.file(path.join(dir, 'saved.dltrace'));
    fs.writeFileSync(file.fsPath, encodeTrace(trace));

    // What a double-click in the explorer runs: the default editor for the file.
    await vscode.commands.executeCommand('vscode.open', file);
    const panel = await until('the trace editor to open', () => api.traceEditor.panels.get(file.toString()));
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom, `a custom editor tab (${tab?.label})`);
    assert.equal((tab.input as vscode.TabInputCustom).viewType, 'decoderLens.traceEditor');
    assert.equal(panel.trace?.service.data.meta.model.name, path.basename(trace.model.path));
    // The webview loaded the trace: it reports its selection once it shows one.
    await until('the panel webview to show the trace', () => panel.selection);
    await until('the Masks view to follow the opened trace', () => api.masks.session.original?.createdAt === trace.createdAt);
  });

  test('a file that is not a trace does not open, and the message names it', async () => {
    const bad = vscode.Uri.file(path.join(dir, 'not-a-trace.dltrace'));
    fs.writeFileSync(bad.fsPath, 'hello');
    await assert.rejects(
      api.traceEditor.openCustomDocument(bad),
      (e: Error) => e.message.includes(bad.fsPath) && /not a Decoder Lens trace/.test(e.message),
    );
  });
});
