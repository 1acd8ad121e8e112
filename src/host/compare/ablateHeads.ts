// "Decoder Lens: Ablate Heads and Rerun": reruns the current trace's input with chosen heads ablated (in the
// worker) and opens the compare view, unablated (A) vs ablated (B).
import * as vscode from 'vscode';
import { reportSteps, withCancellableProgress } from '../cancellableProgress';
import type { Trace } from '../../core/trace/types';
import type { AblateRequest, CompareResult } from '../../protocol/worker';
import { RemoteError } from '../../protocol/rpc';
import { type AblateHeadsArgs, Commands } from '../commands';
import { reportError } from '../decode/runDecode';
import type { TraceStore } from '../decode/traceStore';
import { log } from '../log';
import type { WorkerClient } from '../workerClient';
import type { ComparePanels } from './comparePanel';

/** `args`: from the attention panel or a test; from the palette (none) an input box and a quick pick ask. */
export async function ablateHeads(
  deps: { worker: WorkerClient; store: TraceStore; compare: ComparePanels },
  args?: AblateHeadsArgs,
  /** The trace to rerun (the attention panel's); default the latest decode. */
  trace?: Trace,
): Promise<CompareResult | undefined> {
  const current = trace ?? deps.store.current?.trace;
  if (!current) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Decoder Lens: decode a selection first; Ablate Heads and Rerun reruns the same input with heads ablated.'),
    );
    return undefined;
  }
  const heads: AblateHeadsArgs['heads'] | undefined = args?.heads ?? (await askHeads());
  if (!heads || heads.length === 0) return undefined;
  const mode = args?.mode ?? (await askMode());
  if (!mode) return undefined;
  const s = current.settings;
  const request: AblateRequest = {
    modelPath: current.model.path,
    modelVariant: current.model.variant?.name,
    text: current.input.text,
    maxNewTokens: s.maxNewTokens,
    sampling: s.sampling,
    useCache: s.useCache,
    attentionMask: s.attentionMask,
    captureMaxBytes: s.captureMaxBytes,
    heads: heads.map(({ layer, head, kind }) => ({ layer, head, ...(kind ? { kind } : {}) })),
    mode,
  };
  try {
    const result = await withCancellableProgress(vscode.l10n.t('Decoder Lens: ablating heads'), async (progress, signal) => {
      const connection = await deps.worker.get();
      return await connection.request('ablate', request, { signal, onProgress: reportSteps(progress) });
    });
    log.info(`Ablated ${JSON.stringify(request.heads)} (${mode}) in ${current.model.path}: ${result.report.summary}`);
    deps.compare.show(result);
    return result;
  } catch (error) {
    if (error instanceof RemoteError && error.payload.code === 'cancelled') return undefined;
    void reportError(error, Commands.selectModel);
    return undefined;
  }
}

/** "0.1, 1.3" → layer 0 head 1, layer 1 head 3 (counted from 0). */
export function parseHeads(text: string): { layer: number; head: number }[] | null {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const heads = [];
  for (const part of parts) {
    const m = /^(\d+)\.(\d+)$/.exec(part);
    if (!m) return null;
    heads.push({ layer: Number(m[1]), head: Number(m[2]) });
  }
  return heads.length ? heads : null;
}

async function askHeads(): Promise<{ layer: number; head: number }[] | undefined> {
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Heads to ablate'),
    prompt: vscode.l10n.t('layer.head pairs counted from 0, separated by commas (e.g. 0.1, 1.3)'),
    validateInput: (v) => (parseHeads(v) ? null : vscode.l10n.t('Write each head as layer.head, e.g. 0.1')),
  });
  return text === undefined ? undefined : (parseHeads(text) ?? undefined);
}

async function askMode(): Promise<'zero' | 'mean' | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('zero'), detail: vscode.l10n.t("The head's output is replaced by 0."), mode: 'zero' as const },
      {
        label: vscode.l10n.t('mean'),
        detail: vscode.l10n.t("The head's output is replaced by its mean over the prompt positions of the unablated run."),
        mode: 'mean' as const,
      },
    ],
    { title: vscode.l10n.t('Ablation mode') },
  );
  return picked?.mode;
}
