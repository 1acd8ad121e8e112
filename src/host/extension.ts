import * as path from 'node:path';
import * as vscode from 'vscode';
import { RemoteError } from '../protocol/rpc';
import { Commands } from './commands';
import { ModelPanel } from './modelPanel';
import { WorkerClient } from './workerClient';

export interface DecoderLensApi {
  /** For the integration tests: the worker's state and the active panel. */
  readonly worker: WorkerClient;
}

export function activate(context: vscode.ExtensionContext): DecoderLensApi {
  const worker = new WorkerClient(context.extensionPath);
  context.subscriptions.push({ dispose: () => void worker.dispose() });
  const demoModel = path.join(context.extensionPath, 'dist', 'demo-model');

  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.inspectModel, async (modelPath?: string) => {
      const target = typeof modelPath === 'string' ? modelPath : demoModel;
      const panel = ModelPanel.show(context.extensionUri);
      try {
        const connection = await worker.get();
        const summary = await connection.request('inspectModel', { modelPath: target });
        await panel.connection.ready;
        await panel.connection.request('showModel', { summary });
        return summary;
      } catch (error) {
        const message = error instanceof RemoteError ? error.message : `Decoder Lens: ${(error as Error).message}`;
        void vscode.window.showErrorMessage(message);
        await panel.connection.ready;
        await panel.connection.request('showError', { message });
        return undefined;
      }
    }),
  );
  return { worker };
}

export function deactivate(): void {
  // Disposables in context.subscriptions stop the worker.
}
