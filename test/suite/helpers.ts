import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';

/** The repository root (this file runs from out/test/suite/). */
export const repoRoot = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.resolve(dir, '..');
    if (parent === dir) throw new Error(`No package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();

export const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
export const extensionId = `${manifest.publisher}.${manifest.name}`;
/** The built-in demo model that `npm run build` copies from test/fixtures/models/tiny-gpt. */
export const demoModel = path.join(repoRoot, 'dist', 'demo-model');

export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(extensionId);
  if (!ext) throw new Error(`Extension ${extensionId} is not loaded in this extension host`);
  await ext.activate();
  return ext;
}

/**
 * Records what the extension passes to vscode.window.showErrorMessage while `body` runs. The test files and
 * the extension share one `vscode` API object (it is made per extension), so replacing the method is seen.
 */
export async function captureErrorMessages<T>(body: () => Thenable<T>): Promise<{ result: T; messages: string[] }> {
  const window = vscode.window as { showErrorMessage: (...args: unknown[]) => Thenable<unknown> };
  const original = window.showErrorMessage;
  const messages: string[] = [];
  window.showErrorMessage = (message: unknown, ...rest: unknown[]) => {
    messages.push(String(message));
    return original.call(vscode.window, message, ...rest);
  };
  try {
    return { result: await body(), messages };
  } finally {
    window.showErrorMessage = original;
  }
}

/**
 * Fails with a clear message instead of mocha's generic timeout when a command never settles (e.g. a
 * webview that never loads its script leaves the panel connection waiting).
 */
export function settlesWithin<T>(thenable: Thenable<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(thenable),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms / 1000}s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Polls `probe` every 100 ms until it returns something truthy, and returns that. On timeout the error names
 * `what` and, with `detail`, what the view showed instead.
 */
export async function until<T>(what: string, probe: () => T | undefined | false, ms = 30_000, detail?: () => string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${detail ? ` (${detail()})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens the workspace's sample.txt and selects its first line (the demo line the suites decode). */
export async function selectSampleLine(): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders![0].uri;
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, 'sample.txt')));
  const line = editor.document.lineAt(0).range;
  editor.selection = new vscode.Selection(line.start, line.end);
  return editor;
}

/** Opens a new untitled document holding `text`, all of it selected. */
export async function selectNewText(text: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ content: text });
  const editor = await vscode.window.showTextDocument(document);
  editor.selection = new vscode.Selection(document.positionAt(0), document.positionAt(text.length));
  return editor;
}

/** Runs Decode Selection on the active editor's selection; fails as `what` if it does not settle within `ms`. */
export const decodeSelection = (ms: number, what: string = Commands.decodeSelection): Promise<Trace | undefined> =>
  settlesWithin(vscode.commands.executeCommand<Trace | undefined>(Commands.decodeSelection), ms, what);
