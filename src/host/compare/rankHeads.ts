// "Decoder Lens: Rank Heads": knocks out each decoder head in turn (in the worker) for the chosen token at a step
// (the attention panel's step, else the first generated token) and charts the ranking in the interventions view
// (its "Open as text" opens the text report).
import * as vscode from 'vscode';
import { withCancellableProgress } from '../cancellableProgress';
import type { HeadRanking } from '../../core/interventions/rank';
import type { Trace } from '../../core/trace/types';
import { RemoteError } from '../../protocol/rpc';
import { Commands } from '../commands';
import { reportError } from '../decode/runDecode';
import type { TraceStore } from '../decode/traceStore';
import { panelStep } from '../editor/whyThisToken';
import { InterventionsPanels } from '../interventions/interventionsPanel';
import { log } from '../log';
import type { WorkerClient } from '../workerClient';

export interface RankHeadsDeps {
  worker: WorkerClient;
  store: TraceStore;
  interventions: InterventionsPanels;
  panelQuery(): { trace: Trace; query: number } | undefined;
}

export async function showHeadRanking(deps: RankHeadsDeps, step?: number): Promise<HeadRanking | undefined> {
  const trace = deps.store.current?.trace;
  if (!trace || trace.generated.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Decoder Lens: decode a selection first; Rank Heads scores each head for a generated token.'),
    );
    return undefined;
  }
  step ??= panelStep(trace, deps.panelQuery()) ?? 0;
  step = Math.min(Math.max(0, Math.floor(step)), trace.generated.length - 1);
  try {
    const connection = await deps.worker.get();
    const ranking = await withCancellableProgress(vscode.l10n.t('Decoder Lens: knocking out each head'), (_progress, signal) =>
      connection.request(
        'rankHeads',
        { modelPath: trace.model.path, modelVariant: trace.model.variant?.name, text: trace.input.text, step },
        { signal },
      ),
    );
    log.info(`Ranked ${ranking.heads.length} heads at step ${step + 1} in ${trace.model.path}`);
    deps.interventions.show({
      kind: 'ranking',
      id: InterventionsPanels.newId('ranking'),
      model: trace.model.path,
      step: ranking.step,
      chosen: ranking.chosen,
      prob: ranking.prob,
      heads: ranking.heads,
    });
    return ranking;
  } catch (error) {
    if (error instanceof RemoteError && error.payload.code === 'cancelled') return undefined;
    void reportError(error, Commands.selectModel);
    return undefined;
  }
}
