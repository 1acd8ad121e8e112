import * as vscode from 'vscode';
import { DecoderLensError } from '../core/errors';
import { decodeTrace, encodeTrace } from '../core/trace/file';
import type { Trace } from '../core/trace/types';

/** "Save Trace…": the trace as a .dltrace file (JSON header + binary tensors) to reopen or share. */
export async function saveTrace(trace: Trace | undefined): Promise<vscode.Uri | undefined> {
  if (!trace) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Decoder Lens: there is no trace to save yet. Decode a selection first.'));
    return undefined;
  }
  const uri = await vscode.window.showSaveDialog({
    filters: { [vscode.l10n.t('Decoder Lens trace')]: ['dltrace'] },
    title: vscode.l10n.t('Save Decoder Lens trace'),
  });
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
        filters: { [vscode.l10n.t('Decoder Lens trace')]: ['dltrace'] },
        canSelectMany: false,
        title: vscode.l10n.t('Open Decoder Lens trace'),
      })
    )?.[0];
  if (!target) return undefined;
  try {
    return await readTrace(target);
  } catch (error) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Decoder Lens: {0}', (error as Error).message));
    return undefined;
  }
}

/** Reads a .dltrace; a file that is not one (or cannot be read) rejects with a message naming it. */
export async function readTrace(uri: vscode.Uri): Promise<Trace> {
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    throw new DecoderLensError('not-found', vscode.l10n.t('Could not read {0}: {1}', uri.fsPath, (error as Error).message));
  }
  return decodeTrace(bytes, uri.fsPath);
}
