import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Connection } from '../protocol/rpc';
import { nodePort } from '../protocol/nodePort';
import type { WorkerEvents, WorkerMethods } from '../protocol/worker';

export type WorkerConnection = Connection<Record<string, never>, WorkerMethods, Record<string, never>, WorkerEvents>;

/**
 * Starts the one worker thread that owns every ONNX Runtime session, lazily, and restarts it if it dies.
 * Inference never runs on the extension-host thread.
 */
export class WorkerClient {
  private worker: Worker | undefined;
  private connection: WorkerConnection | undefined;
  private readonly stateListeners = new Set<(state: WorkerState) => void>();
  private current: WorkerState = 'stopped';

  constructor(private readonly extensionPath: string) {}

  get state(): WorkerState {
    return this.current;
  }

  onStateChange(listener: (state: WorkerState) => void): { dispose(): void } {
    this.stateListeners.add(listener);
    return { dispose: () => this.stateListeners.delete(listener) };
  }

  async get(): Promise<WorkerConnection> {
    if (!this.connection) this.start();
    const connection = this.connection!;
    await connection.whenReady(30_000, 'The Decoder Lens worker');
    return connection;
  }

  private start(): void {
    const worker = new Worker(path.join(this.extensionPath, 'dist', 'worker.js'));
    const connection: WorkerConnection = new Connection(nodePort(worker), {}, { transfer: true });
    const onExit = (message: string) => {
      if (this.worker !== worker) return;
      connection.dispose({ code: 'internal', message });
      this.worker = undefined;
      this.connection = undefined;
      this.setState('stopped');
    };
    worker.on('error', (error) => onExit(vscode.l10n.t('The Decoder Lens worker failed: {0}', error.message)));
    worker.on('exit', (code) => onExit(vscode.l10n.t('The Decoder Lens worker stopped (exit code {0}).', code)));
    this.worker = worker;
    this.connection = connection;
    this.setState('starting');
    void connection.ready.then(() => this.worker === worker && this.setState('ready'));
  }

  private setState(state: WorkerState): void {
    this.current = state;
    for (const listener of this.stateListeners) listener(state);
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.connection?.dispose();
    this.connection = undefined;
    await worker?.terminate();
  }
}

export type WorkerState = 'stopped' | 'starting' | 'ready';
