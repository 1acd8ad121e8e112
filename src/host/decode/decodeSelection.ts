import * as vscode from 'vscode';
import type { Trace } from '../../core/trace/types';
import { Commands } from '../commands';
import type { ModelRegistry } from '../models/modelRegistry';
import { selectModel } from '../models/selectModel';
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

export interface DecodeSelectionOptions {
  attentionMask?: number[];
  /** 'score': the text's own probabilities, attention, masks and lens, with nothing generated (maxNewTokens 0). */
  mode?: 'generate' | 'score';
}

/**
 * "Decoder Lens: Decode Selection" and "Score Selection": the selection (or the current line) is the prompt of a
 * decoder-only model or the source of an encoder-decoder one. The result decorates that text, arms the hover
 * and opens the panel.
 */
export async function decodeSelection(deps: DecodeSelectionDeps, options: DecodeSelectionOptions = {}): Promise<Trace | undefined> {
  const { mode = 'generate', ...request } = options;
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Decoder Lens: open a text file and select the text to decode.'));
    return undefined;
  }
  const { document, selection } = editor;
  const range = selection.isEmpty ? document.lineAt(selection.active.line).range : new vscode.Range(selection.start, selection.end);
  const text = document.getText(range);
  if (text.trim() === '') {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Decoder Lens: the selection is empty. Select some text (or put the cursor on a line with text).'),
    );
    return undefined;
  }
  let model = await deps.registry.active();
  if (model.source === 'unchosen') {
    // Several models in the workspace and none chosen: ask, rather than decode the person's text with the demo model.
    if (!(await selectModel(deps.registry, true))) return undefined;
    model = await deps.registry.active();
  }
  if (!model.isDemo && !vscode.workspace.isTrusted) {
    const selectModelAction = vscode.l10n.t('Select Model');
    void vscode.window
      .showWarningMessage(
        vscode.l10n.t('Decoder Lens runs workspace models only in a trusted workspace. Trust this folder, or use the built-in demo model.'),
        selectModelAction,
      )
      .then((c) => c && vscode.commands.executeCommand(Commands.selectModel));
    return undefined;
  }
  const scoring = mode === 'score';
  deps.setBusy(scoring ? vscode.l10n.t('scoring') : vscode.l10n.t('decoding'));
  try {
    const trace = await runDecode(
      deps.worker,
      // Scoring: the lens on every prompt position (one step; a generating decode keeps each step's last row).
      {
        modelPath: model.path,
        modelVariant: model.variant,
        text,
        ...request,
        ...(scoring ? { maxNewTokens: 0, lens: { rows: 'all' as const, k: 5 } } : {}),
      },
      scoring ? vscode.l10n.t('Decoder Lens: scoring') : vscode.l10n.t('Decoder Lens: decoding'),
    );
    if (!trace) return undefined;
    // The document may have changed while the decode ran: only keep the result if its text is still there.
    if (document.isClosed || document.getText(range) !== text) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Decoder Lens: the text changed while it was being decoded; decode it again.'));
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
