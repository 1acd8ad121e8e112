import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from './commands';
import { Disposable } from './dispose';
import type { ModelRegistry } from './models/modelRegistry';
import type { WorkerClient, WorkerState } from './workerClient';

/** Shows the active model and what the worker is doing; a click opens Select Model. */
export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('decoderLens.status', vscode.StatusBarAlignment.Right, 100));
  private busy: string | undefined;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly worker: WorkerClient,
  ) {
    super();
    this.item.name = 'Decoder Lens';
    this.item.command = Commands.selectModel;
    this.register(registry.onDidChange(() => void this.update()));
    this.register(worker.onStateChange(() => void this.update()));
    void this.update();
    this.item.show();
  }

  /** `what` is shown as it is: pass a localised phrase. */
  setBusy(what: string | undefined): void {
    this.busy = what;
    void this.update();
  }

  private async update(): Promise<void> {
    const active = await this.registry.active();
    const name =
      active.source === 'unchosen'
        ? vscode.l10n.t('choose a model')
        : active.isDemo
          ? vscode.l10n.t('demo model')
          : path.basename(active.path);
    const icon = this.busy ? '$(loading~spin)' : stateIcon(this.worker.state);
    this.item.text = `${icon} ${name}`;
    const source = {
      setting: vscode.l10n.t('from the decoderLens.modelPath setting'),
      chosen: vscode.l10n.t('chosen for this workspace'),
      found: vscode.l10n.t('the only model in this workspace'),
      demo: vscode.l10n.t('the built-in demo model'),
      unchosen: vscode.l10n.t('several models in this workspace, none chosen yet'),
    }[active.source];
    this.item.tooltip = new vscode.MarkdownString(
      [
        '**Decoder Lens**',
        vscode.l10n.t('Model: {0} ({1})', `\`${active.path}\``, source),
        vscode.l10n.t('Worker: {0}', this.busy ?? workerStateText(this.worker.state)),
        vscode.l10n.t('Click to select a model.'),
      ].join('\n\n'),
    );
  }
}

function workerStateText(state: WorkerState): string {
  return state === 'ready' ? vscode.l10n.t('ready') : state === 'starting' ? vscode.l10n.t('starting') : vscode.l10n.t('stopped');
}

function stateIcon(state: WorkerState): string {
  return state === 'ready' ? '$(eye)' : state === 'starting' ? '$(sync~spin)' : '$(eye-closed)';
}
