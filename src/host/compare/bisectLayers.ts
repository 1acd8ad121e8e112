// The layer bisector from the compare view ("Bisect layers") and the palette ("Decoder Lens: Bisect Against…"):
// the two models of a comparison run layer by layer in the worker, A's residual stream spliced into B after each
// layer, and the report shown in the compare view's bisect section.
import * as vscode from 'vscode';
import type { BisectReport, CompareModels } from '../../protocol/compare';
import { reportSteps, withCancellableProgress } from '../cancellableProgress';
import { Commands } from '../commands';
import { reportError } from '../decode/runDecode';
import type { TraceStore } from '../decode/traceStore';
import { log } from '../log';
import type { WorkerClient } from '../workerClient';
import { bisectFailure, type ComparePanels } from './comparePanel';
import { compareWith } from './compareWith';

/** Runs the bisector in the worker under a cancellable notification; a cancel rejects with the worker's 'cancelled'. */
export function runBisect(worker: WorkerClient, models: CompareModels): Thenable<BisectReport> {
  return withCancellableProgress(vscode.l10n.t('Decoder Lens: bisecting layers'), async (progress, signal) => {
    const connection = await worker.get();
    const report = await connection.request(
      'bisect',
      {
        modelPath: models.a.path,
        modelVariant: models.a.variant,
        modelPathB: models.b.path,
        modelVariantB: models.b.variant,
        text: models.text,
        maxNewTokens: models.maxNewTokens,
      },
      { signal, onProgress: reportSteps(progress) },
    );
    log.info(`Bisected ${models.a.path} vs ${models.b.path}: ${report.verdict}`);
    return report;
  });
}

/**
 * "Decoder Lens: Bisect Against…": compares the current trace's input with a second model picked as Compare
 * With… picks it (another variant of the folder first), then bisects the two in the compare view.
 */
export async function bisectAgainst(
  deps: { worker: WorkerClient; store: TraceStore; compare: ComparePanels },
  target?: vscode.Uri,
  variant = '',
): Promise<BisectReport | undefined> {
  const compared = await compareWith(deps, target, variant, { modelsOnly: true });
  if (!compared) return undefined;
  const open = deps.compare.current?.comparison;
  if (!open?.models) return undefined;
  try {
    return await deps.compare.bisect(open);
  } catch (error) {
    if (bisectFailure(error) !== null) void reportError(error, Commands.selectModel);
    return undefined;
  }
}
