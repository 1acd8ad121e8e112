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

  setBusy(what: string | undefined): void {
    this.busy = what;
    void this.update();
  }

  private async update(): Promise<void> {
    const active = await this.registry.active();
    const name = active.isDemo ? 'demo model' : path.basename(active.path);
    const icon = this.busy ? '$(loading~spin)' : stateIcon(this.worker.state);
    this.item.text = `${icon} ${name}`;
    this.item.tooltip = new vscode.MarkdownString(
      `**Decoder Lens**\n\nModel: \`${active.path}\` (${active.source})\n\nWorker: ${this.busy ?? this.worker.state}\n\nClick to select a model.`,
    );
  }
}

function stateIcon(state: WorkerState): string {
  return state === 'ready' ? '$(eye)' : state === 'starting' ? '$(sync~spin)' : '$(eye-closed)';
}
