import * as vscode from 'vscode';
import type { Trace } from '../../core/trace/types';
import { Commands } from '../commands';
import type { ModelRegistry } from '../models/modelRegistry';
import type { WorkerClient } from '../workerClient';
import { reportError, runDecode } from './runDecode';
import type { DecodedRange, TraceStore } from './traceStore';

export interface DecodeSelectionDeps {
  worker: WorkerClient;
  registry: ModelRegistry;
  store: TraceStore;
  show(result: DecodedRange): void;
  setBusy(what: string | undefined): void;
}

/**
 * "Decoder Lens: Decode Selection": the selection (or the current line) is the prompt of a decoder-only model
 * or the source of an encoder-decoder one. The result decorates that text, arms the hover and opens the panel.
 */
export async function decodeSelection(deps: DecodeSelectionDeps, options: { attentionMask?: number[] } = {}): Promise<Trace | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Decoder Lens: open a text file and select the text to decode.');
    return undefined;
  }
  const { document, selection } = editor;
  const range = selection.isEmpty ? document.lineAt(selection.active.line).range : new vscode.Range(selection.start, selection.end);
  const text = document.getText(range);
  if (text.trim() === '') {
    void vscode.window.showInformationMessage(
      'Decoder Lens: the selection is empty. Select some text (or put the cursor on a line with text).',
    );
    return undefined;
  }
  const model = await deps.registry.active();
  if (!model.isDemo && !vscode.workspace.isTrusted) {
    void vscode.window
      .showWarningMessage(
        'Decoder Lens runs workspace models only in a trusted workspace. Trust this folder, or use the built-in demo model.',
        'Select Model',
      )
      .then((c) => c && vscode.commands.executeCommand(Commands.selectModel));
    return undefined;
  }
  deps.setBusy('decoding');
  try {
    const trace = await runDecode(deps.worker, { modelPath: model.path, text, ...options }, 'Decoder Lens: decoding');
    if (!trace) return undefined;
    // The document may have changed while the decode ran: only keep the result if its text is still there.
    if (document.isClosed || document.getText(range) !== text) {
      void vscode.window.showWarningMessage('Decoder Lens: the text changed while it was being decoded; decode it again.');
      return trace;
    }
    const result = deps.store.add(document, range, trace);
    deps.show(result);
    return trace;
  } catch (error) {
    // Not awaited: the message stays up until the person answers it, and the command must end now.
    void reportError(error, Commands.selectModel);
    return undefined;
  } finally {
    deps.setBusy(undefined);
  }
}
