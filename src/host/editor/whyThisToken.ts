// "Decoder Lens: Why This Token?": for the chosen token at a step (the attention panel's step, else the first
// generated token), hides each input token in turn in the worker and underlines the input by how much that moves
// the token's probability (decorations.ts; the underline's hover says by how much), and charts Δp per input token
// in the interventions view.
import * as vscode from 'vscode';
import { withCancellableProgress } from '../cancellableProgress';
import type { Occlusion } from '../../core/interventions/occlude';
import type { Trace } from '../../core/trace/types';
import { RemoteError } from '../../protocol/rpc';
import { Commands } from '../commands';
import { reportError } from '../decode/runDecode';
import type { TraceStore } from '../decode/traceStore';
import { InterventionsPanels } from '../interventions/interventionsPanel';
import { log } from '../log';
import type { WorkerClient } from '../workerClient';
import type { TraceDecorations } from './decorations';

export interface WhyThisTokenDeps {
  worker: WorkerClient;
  store: TraceStore;
  decorations: TraceDecorations;
  interventions: InterventionsPanels;
  /** The attention panel's trace and selected query (positions axis), if it shows one. */
  panelQuery(): { trace: Trace; query: number } | undefined;
}

export async function whyThisToken(deps: WhyThisTokenDeps, step?: number): Promise<Occlusion | undefined> {
  const result = deps.store.current;
  if (!result || result.trace.generated.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Decoder Lens: decode a selection first; Why This Token? explains a generated token by hiding each input token.'),
    );
    return undefined;
  }
  const trace = result.trace;
  step ??= panelStep(trace, deps.panelQuery()) ?? 0;
  step = Math.min(Math.max(0, Math.floor(step)), trace.generated.length - 1);
  try {
    const connection = await deps.worker.get();
    const occlusion = await withCancellableProgress(vscode.l10n.t('Decoder Lens: hiding each input token'), (_progress, signal) =>
      connection.request(
        'occlude',
        { modelPath: trace.model.path, modelVariant: trace.model.variant?.name, text: trace.input.text, step },
        { signal },
      ),
    );
    log.info(
      `Occlusion at step ${step + 1} (${JSON.stringify(occlusion.chosen.text)}, p ${occlusion.prob.toFixed(4)}) in ${trace.model.path}`,
    );
    for (const note of occlusion.notes) log.warn(note);
    // The store may have moved on while the worker ran: decorate the result the occlusion was run on.
    deps.decorations.setOcclusion(result.id, occlusion);
    const { step: shownStep, chosen, prob, tokens, notes } = occlusion;
    const id = InterventionsPanels.newId('occlusion');
    deps.interventions.show({ kind: 'occlusion', id, model: trace.model.path, step: shownStep, chosen, prob, tokens, notes });
    return occlusion;
  } catch (error) {
    if (error instanceof RemoteError && error.payload.code === 'cancelled') return undefined;
    void reportError(error, Commands.selectModel);
    return undefined;
  }
}

/** The generation step the panel's query predicts, when the panel shows this trace. */
export function panelStep(trace: Trace, panel: { trace: Trace; query: number } | undefined): number | undefined {
  if (!panel || panel.trace !== trace) return undefined;
  const first = trace.model.architecture === 'decoder-only' ? trace.input.tokens.length - 1 : 0;
  const step = panel.query - first;
  return step >= 0 && step < trace.generated.length ? step : undefined;
}
