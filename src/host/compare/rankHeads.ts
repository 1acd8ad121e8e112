// "Decoder Lens: Rank Heads": knocks out each decoder head in turn (in the worker) for the chosen token at a step
// (the attention panel's step, else the first generated token) and opens the ranking as a text report.
import * as vscode from 'vscode';
import { withCancellableProgress } from '../cancellableProgress';
import type { HeadRanking } from '../../core/interventions/rank';
import type { Trace } from '../../core/trace/types';
import { RemoteError } from '../../protocol/rpc';
import { Commands } from '../commands';
import { reportError } from '../decode/runDecode';
import type { TraceStore } from '../decode/traceStore';
import { panelStep } from '../editor/whyThisToken';
import { log } from '../log';
import type { WorkerClient } from '../workerClient';

export interface RankHeadsDeps {
  worker: WorkerClient;
  store: TraceStore;
  panelQuery(): { trace: Trace; query: number } | undefined;
}

export async function rankHeadsReport(deps: RankHeadsDeps, step?: number): Promise<HeadRanking | undefined> {
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
    const document = await vscode.workspace.openTextDocument({ content: rankingText(ranking, trace.model.path), language: 'plaintext' });
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    return ranking;
  } catch (error) {
    if (error instanceof RemoteError && error.payload.code === 'cancelled') return undefined;
    void reportError(error, Commands.selectModel);
    return undefined;
  }
}

/** Every head sorted by the drop in the chosen token's probability when it is zeroed, then a layer × head table. */
export function rankingText(r: HeadRanking, modelPath: string): string {
  const name = (h: { kind: string; layer: number; head: number }) => `${h.kind === 'self' ? '' : `${h.kind} `}L${h.layer}.H${h.head}`;
  const sorted = [...r.heads].sort((a, b) => b.drop - a.drop);
  const lines = [
    `Decoder Lens: head ranking — ${modelPath}`,
    `Step ${r.step + 1}: ${JSON.stringify(r.chosen.text)} (id ${r.chosen.id}), p ${r.prob.toFixed(4)} unablated.`,
    `Each head zeroed in turn; drop = p unablated − p with the head zeroed (positive: the head helped). Layers and heads from 0.`,
    '',
    `${'head'.padEnd(16)}${'p'.padStart(9)}${'drop'.padStart(10)}`,
    ...sorted.map((h) => `${name(h).padEnd(16)}${h.prob.toFixed(4).padStart(9)}${h.drop.toFixed(4).padStart(10)}`),
  ];
  for (const kind of [...new Set(r.heads.map((h) => h.kind))]) {
    const heads = r.heads.filter((h) => h.kind === kind);
    const width = Math.max(...heads.map((h) => h.head)) + 1;
    lines.push(
      '',
      `Drop by layer × head (${kind} attention):`,
      `${''.padEnd(6)}${Array.from({ length: width }, (_, h) => `H${h}`.padStart(9)).join('')}`,
    );
    for (const layer of [...new Set(heads.map((h) => h.layer))].sort((a, b) => a - b)) {
      const row = Array.from({ length: width }, (_, h) => heads.find((x) => x.layer === layer && x.head === h));
      lines.push(`${`L${layer}`.padEnd(6)}${row.map((x) => (x ? x.drop.toFixed(4) : '—').padStart(9)).join('')}`);
    }
  }
  return lines.join('\n') + '\n';
}
