// "Decoder Lens: Compare With…": runs the current trace's input through a second model (a folder or an .onnx
// file, or another variant of the same folder) or compares it with a saved trace, in the worker, and shows where
// they differ in the compare view.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { reportSteps, withCancellableProgress } from '../cancellableProgress';
import { findModelLayout } from '../../core/model/layout';
import type { ModelVariant } from '../../core/model/variants';
import type { Trace } from '../../core/trace/types';
import type { CompareResult } from '../../protocol/worker';
import { RemoteError } from '../../protocol/rpc';
import { Commands } from '../commands';
import { reportError } from '../decode/runDecode';
import type { TraceStore } from '../decode/traceStore';
import { log } from '../log';
import type { WorkerClient } from '../workerClient';
import type { ComparePanels } from './comparePanel';

type Target = { uri: vscode.Uri; variant: string };
type TargetItem = vscode.QuickPickItem & { target?: Target };

/**
 * `target`: what to compare with (a model folder, an .onnx file or a .dltrace), e.g. from the explorer's context
 * menu or a test, and `variant`: which files of that folder ('' = its default). Without a target a quick pick
 * offers the other variants of the current model first (fp32 vs q4 in two clicks), then a dialog.
 */
export async function compareWith(
  deps: { worker: WorkerClient; store: TraceStore; compare: ComparePanels },
  target?: vscode.Uri,
  variant = '',
  /** `modelsOnly`: the target must be a model, not a saved trace (what the layer bisector needs). */
  options: { modelsOnly?: boolean } = {},
): Promise<CompareResult | undefined> {
  const current = deps.store.current?.trace;
  if (!current) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Decoder Lens: decode a selection first; Compare With… runs the same input through another model.'),
    );
    return undefined;
  }
  const chosen = target ? { uri: target, variant } : await pickTarget(current, !!options.modelsOnly);
  if (!chosen) return undefined;
  if (options.modelsOnly && chosen.uri.fsPath.endsWith('.dltrace')) {
    void vscode.window.showErrorMessage(
      vscode.l10n.t('Decoder Lens: the layer bisector runs two models; {0} is a saved trace.', path.basename(chosen.uri.fsPath)),
    );
    return undefined;
  }
  try {
    // A saved trace is read and parsed in the worker, not on the extension host thread.
    const other = chosen.uri.fsPath.endsWith('.dltrace')
      ? { tracePath: chosen.uri.fsPath }
      : { modelPath: chosen.uri.fsPath, modelVariant: chosen.variant };
    const s = current.settings;
    const request = {
      modelPath: current.model.path,
      modelVariant: current.model.variant?.name ?? '',
      text: current.input.text,
      maxNewTokens: s.maxNewTokens,
      sampling: s.sampling,
      useCache: s.useCache,
      attentionMask: s.attentionMask,
      captureMaxBytes: s.captureMaxBytes,
      other,
    };
    const result = await withCancellableProgress(vscode.l10n.t('Decoder Lens: comparing'), async (progress, signal) => {
      const connection = await deps.worker.get();
      return await connection.request('compare', request, { signal, onProgress: reportSteps(progress) });
    });
    log.info(`Compared ${result.report.a.label} with ${result.report.b.label}: ${result.report.summary}`);
    // The attention panel keeps showing what it showed; the compare view shows A vs B and opens either there.
    // Two models (not a saved trace): the view offers to bisect them layer by layer.
    const models =
      'modelPath' in other
        ? {
            a: { path: request.modelPath, variant: request.modelVariant },
            b: { path: chosen.uri.fsPath, variant: chosen.variant },
            text: request.text,
            maxNewTokens: Math.max(1, s.maxNewTokens),
          }
        : undefined;
    deps.compare.show(result, models);
    return result;
  } catch (error) {
    if (error instanceof RemoteError && error.payload.code === 'cancelled') return undefined;
    void reportError(error, Commands.selectModel);
    return undefined;
  }
}

/** The other variants of the current trace's model folder first, then "Browse…" (a dialog for any model or trace). */
async function pickTarget(current: Trace, modelsOnly: boolean): Promise<Target | undefined> {
  const ran = current.model.variant?.name;
  const others = otherVariants(current.model.path, ran);
  if (others.length > 0) {
    const items: TargetItem[] = [
      ...others.map((v) => ({
        label: `${path.basename(current.model.path)} [${v.name}]`,
        description: v.files.map((f) => path.basename(f.path)).join(' + '),
        target: { uri: vscode.Uri.file(current.model.path), variant: v.name },
      })),
      { label: `$(folder-opened) ${vscode.l10n.t('Browse…')}`, description: vscode.l10n.t('a model folder or an .onnx file') },
    ];
    const name = `${path.basename(current.model.path)} [${ran ?? ''}]`;
    const pick = await vscode.window.showQuickPick(items, {
      title: modelsOnly ? vscode.l10n.t('Decoder Lens: bisect {0} against…', name) : vscode.l10n.t('Decoder Lens: compare {0} with…', name),
    });
    if (!pick) return undefined;
    if (pick.target) return pick.target;
  }
  const uri = (
    await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: modelsOnly ? vscode.l10n.t('Bisect Against') : vscode.l10n.t('Compare With'),
      title: modelsOnly
        ? vscode.l10n.t('A second variant of the model (folder or .onnx, same tokenizer)')
        : vscode.l10n.t('A second model (folder or .onnx, same tokenizer) or a saved trace (.dltrace)'),
      filters: modelsOnly ? { [vscode.l10n.t('Model')]: ['onnx'] } : { [vscode.l10n.t('Model or saved trace')]: ['onnx', 'dltrace'] },
    })
  )?.[0];
  return uri && { uri, variant: '' };
}

/** None when the folder is not here any more (a trace opened from elsewhere): then only the dialog. */
function otherVariants(modelPath: string, ran: string | undefined): ModelVariant[] {
  try {
    return findModelLayout(modelPath).variants.filter((v) => v.name !== ran);
  } catch {
    return [];
  }
}
