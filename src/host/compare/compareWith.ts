// "Decoder Lens: Compare With…": runs the current trace's input through a second model (a folder or an .onnx
// file) or compares it with a saved trace, in the worker, and shows where they differ in the compare view.
import * as vscode from 'vscode';
import type { CompareResult } from '../../protocol/worker';
import { RemoteError } from '../../protocol/rpc';
import { Commands } from '../commands';
import { reportError } from '../decode/runDecode';
import type { TraceStore } from '../decode/traceStore';
import { log } from '../log';
import type { WorkerClient } from '../workerClient';
import type { ComparePanels } from './comparePanel';

/**
 * `target`: what to compare with (a model folder, an .onnx file or a .dltrace), e.g. from the explorer's context
 * menu or a test; without it a dialog asks.
 */
export async function compareWith(
  deps: { worker: WorkerClient; store: TraceStore; compare: ComparePanels },
  target?: vscode.Uri,
): Promise<CompareResult | undefined> {
  const current = deps.store.current?.trace;
  if (!current) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Decoder Lens: decode a selection first; Compare With… runs the same input through another model.'),
    );
    return undefined;
  }
  target ??= (
    await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: vscode.l10n.t('Compare With'),
      title: vscode.l10n.t('A second model (folder or .onnx, same tokenizer) or a saved trace (.dltrace)'),
      filters: { [vscode.l10n.t('Model or saved trace')]: ['onnx', 'dltrace'] },
    })
  )?.[0];
  if (!target) return undefined;
  try {
    // A saved trace is read and parsed in the worker, not on the extension host thread.
    const other = target.fsPath.endsWith('.dltrace') ? { tracePath: target.fsPath } : { modelPath: target.fsPath };
    const s = current.settings;
    const request = {
      modelPath: current.model.path,
      text: current.input.text,
      maxNewTokens: s.maxNewTokens,
      sampling: s.sampling,
      useCache: s.useCache,
      attentionMask: s.attentionMask,
      captureMaxBytes: s.captureMaxBytes,
      other,
    };
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Decoder Lens: comparing'), cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        try {
          const connection = await deps.worker.get();
          return await connection.request('compare', request, {
            signal: controller.signal,
            onProgress: ({ step, total }) => progress.report({ message: vscode.l10n.t('step {0} of {1}', step, total) }),
          });
        } finally {
          subscription.dispose();
        }
      },
    );
    log.info(`Compared ${current.model.path} with ${target.fsPath}: ${result.report.summary}`);
    // The attention panel keeps showing what it showed; the compare view shows A vs B and opens either there.
    deps.compare.show(result);
    return result;
  } catch (error) {
    if (error instanceof RemoteError && error.payload.code === 'cancelled') return undefined;
    void reportError(error, Commands.selectModel);
    return undefined;
  }
}
