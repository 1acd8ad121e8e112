import * as vscode from 'vscode';
import { DecoderLensError } from '../core/errors';
import { decodeTrace, encodeTrace } from '../core/trace/file';
import type { Trace } from '../core/trace/types';

/** "Save Trace…": the trace as a .dltrace file (JSON header + binary tensors) to reopen or share. */
export async function saveTrace(trace: Trace | undefined): Promise<vscode.Uri | undefined> {
  if (!trace) {
    void vscode.window.showInformationMessage('Decoder Lens: there is no trace to save yet. Decode a selection first.');
    return undefined;
  }
  const uri = await vscode.window.showSaveDialog({ filters: { 'Decoder Lens trace': ['dltrace'] }, title: 'Save Decoder Lens trace' });
  if (!uri) return undefined;
  await vscode.workspace.fs.writeFile(uri, encodeTrace(trace));
  return uri;
}

/** "Open Trace…": reads a .dltrace; a file that is not one gets a message naming it. */
export async function openTrace(uri?: vscode.Uri): Promise<Trace | undefined> {
  const target =
    uri ??
    (
      await vscode.window.showOpenDialog({
        filters: { 'Decoder Lens trace': ['dltrace'] },
        canSelectMany: false,
        title: 'Open Decoder Lens trace',
      })
    )?.[0];
  if (!target) return undefined;
  try {
    return decodeTrace(await vscode.workspace.fs.readFile(target), target.fsPath);
  } catch (error) {
    const message = error instanceof DecoderLensError ? error.message : `Could not read ${target.fsPath}: ${(error as Error).message}`;
    void vscode.window.showErrorMessage(`Decoder Lens: ${message}`);
    return undefined;
  }
}
