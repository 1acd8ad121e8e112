/** The inspector's decodes, run by the worker: reruns with progress in the UI, probes quietly in the background. */
import { factsFromInputs, type CheckContext, type ModelFacts } from '../../core/masks';
import * as vscode from 'vscode';
import type { Trace } from '../../core/trace/types';
import { runDecode } from '../decode/runDecode';
import { readSettings } from '../settings';
import type { WorkerClient } from '../workerClient';
import type { InspectorRunner } from './session';
import { workerCompute } from './workerCompute';

export function workerRunner(worker: WorkerClient): InspectorRunner {
  return {
    compute: workerCompute(worker),
    rerun: (modelPath, options) =>
      runDecode(worker, { modelPath, ...options }, vscode.l10n.t('Decoder Lens: rerunning with the edited mask')),
    async probe(modelPath, options, signal) {
      const settings = readSettings();
      const connection = await worker.get();
      return connection.request('decode', { executionProviders: settings.executionProviders, ...options, modelPath }, { signal });
    },
    // The graph facts come from the lazy reader (structure only, seeking past the weights), so any size is cheap.
    async facts(trace: Trace): Promise<ModelFacts & { checks?: CheckContext }> {
      const connection = await worker.get();
      const { context, inputs } = await connection.request('checkFacts', {
        modelPath: trace.model.path,
        modelVariant: trace.model.variant?.name ?? '',
      });
      // The padding probes are for decoder-only models; the graph facts hold for every model.
      return { ...(trace.model.architecture === 'decoder-only' ? factsFromInputs(inputs) : {}), checks: context };
    },
  };
}
