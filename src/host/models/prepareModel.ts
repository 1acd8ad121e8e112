import * as vscode from 'vscode';
import { RemoteError } from '../../protocol/rpc';
import type { PrepareRequest } from '../../protocol/worker';
import { decodeDefaults } from '../decode/runDecode';
import { Disposable } from '../dispose';
import { log } from '../log';
import type { WorkerClient } from '../workerClient';
import type { ModelRegistry } from './modelRegistry';

/**
 * Asks the worker to do the surgery and create the sessions of the active model as soon as it is known — chosen
 * in Select Model, set in the settings, or the only one in the workspace — so the first Decode Selection finds
 * them ready. A newer selection supersedes (cancels) an older prepare. A failed prepare is only logged: the
 * decode, if the person asks for one, reports the problem where they are looking.
 */
export class ModelPreparer extends Disposable {
  private current: { key: string; controller: AbortController } | undefined;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly worker: WorkerClient,
  ) {
    super();
    this.register(registry.onDidChange(() => void this.refresh()));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('decoderLens') && void this.refresh()));
    // A worker that stopped took its sessions with it: the next refresh prepares again.
    this.register(worker.onStateChange((state) => state === 'stopped' && (this.current = undefined)));
    this.register({ dispose: () => this.current?.controller.abort() });
  }

  /** Prepares the active model unless it is prepared (or being prepared) with the same options already. */
  async refresh(): Promise<void> {
    const active = await this.registry.active();
    if (this.isDisposed) return;
    // No model chosen (several found) or none at all (the demo fallback): nothing worth starting the worker for.
    if (active.source === 'unchosen' || active.source === 'demo') {
      this.current?.controller.abort();
      this.current = undefined;
      return;
    }
    const request: PrepareRequest = { ...decodeDefaults(), modelPath: active.path, modelVariant: active.variant };
    const key = JSON.stringify(request);
    if (this.current?.key === key) return;
    this.current?.controller.abort();
    const controller = new AbortController();
    this.current = { key, controller };
    const started = Date.now();
    try {
      const connection = await this.worker.get();
      const { files } = await connection.request('prepare', request, { signal: controller.signal });
      log.info(`Prepared ${files.length} session(s) of ${active.path} ahead of a decode in ${Date.now() - started} ms.`);
    } catch (error) {
      if (error instanceof RemoteError && error.payload.code === 'cancelled') return;
      const message = error instanceof RemoteError ? error.payload.message : ((error as Error)?.message ?? String(error));
      log.warn(`Could not prepare ${active.path} ahead of a decode (a decode will report why): ${message}`);
    }
  }
}
