// "Decoder Lens: Patch Activations…": the current trace's input is the clean run; the corrupted run is the same
// text with a word edited (an input box prefilled with the clean text). In the worker, the clean residual stream
// after each layer, at each position, is patched into the corrupted run, and the view charts how much of the clean
// next-token probability comes back (a layer × position heatmap).
import * as vscode from 'vscode';
import { withCancellableProgress } from '../cancellableProgress';
import { RemoteError } from '../../protocol/rpc';
import type { PatchingResult } from '../../protocol/interventions';
import type { PatchResult } from '../../protocol/worker';
import { Commands } from '../commands';
import { reportError } from '../decode/runDecode';
import type { TraceStore } from '../decode/traceStore';
import { log } from '../log';
import type { WorkerClient } from '../workerClient';
import { InterventionsPanels } from './interventionsPanel';

export interface PatchActivationsDeps {
  worker: WorkerClient;
  store: TraceStore;
  interventions: InterventionsPanels;
}

/** `corruptText`: the corrupted input (a test, a link); the palette asks for it. */
export async function patchActivations(deps: PatchActivationsDeps, corruptText?: string): Promise<PatchResult | undefined> {
  const trace = deps.store.current?.trace;
  if (!trace) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Decoder Lens: decode a selection first; Patch Activations uses its text as the clean input.'),
    );
    return undefined;
  }
  if (trace.model.architecture !== 'decoder-only') {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Decoder Lens: activation patching is available for decoder-only models so far.'),
    );
    return undefined;
  }
  const clean = trace.input.text;
  corruptText ??= await vscode.window.showInputBox({
    title: vscode.l10n.t('Decoder Lens: Patch Activations'),
    prompt: vscode.l10n.t('The corrupted input: edit a word of the clean input, keeping the same number of tokens.'),
    value: clean,
    validateInput: (value) =>
      value === clean
        ? {
            message: vscode.l10n.t('Change a word: the corrupted input is the same as the clean one.'),
            severity: vscode.InputBoxValidationSeverity.Info,
          }
        : undefined,
  });
  if (corruptText === undefined) return undefined;
  try {
    const connection = await deps.worker.get();
    const result = await withCancellableProgress(vscode.l10n.t('Decoder Lens: patching activations'), (progress, signal) =>
      connection.request(
        'patch',
        { modelPath: trace.model.path, modelVariant: trace.model.variant?.name, cleanText: clean, corruptText },
        {
          signal,
          onProgress: ({ step, total }) => progress.report({ message: vscode.l10n.t('{0} of {1} cells patched', step, total) }),
        },
      ),
    );
    log.info(`Patched ${result.layers.length} layers × ${result.cleanIds.length} positions in ${trace.model.path}`);
    deps.interventions.show(patchingView(result, trace.model.path));
    return result;
  } catch (error) {
    if (error instanceof RemoteError && error.payload.code === 'cancelled') return undefined;
    void reportError(error, Commands.selectModel);
    return undefined;
  }
}

/** The sweep as the view takes it: plain arrays per layer, null where a value is not a number. */
export function patchingView(r: PatchResult, model: string): PatchingResult {
  const T = r.cleanIds.length;
  const rows = (values: ArrayLike<number>) =>
    r.layers.map((_, l) => Array.from({ length: T }, (_, p) => (Number.isFinite(values[l * T + p]) ? values[l * T + p] : null)));
  return {
    kind: 'patching',
    id: InterventionsPanels.newId('patching'),
    model,
    target: r.target,
    cleanProb: r.cleanProb,
    corruptProb: r.corruptProb,
    cleanTokens: r.cleanTokens,
    corruptTokens: r.corruptTokens,
    layers: r.layers,
    probs: rows(r.probs),
    recovered: rows(r.recovered),
  };
}
