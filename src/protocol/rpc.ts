/**
 * One typed request/response/event protocol for every boundary (host ⇄ worker, host ⇄ webview).
 * Each side declares the methods it serves and the events it emits; `Connection` gives the other side
 * typed `request`/`notify`, request ids, progress, cancellation and error replies over any message port.
 */
import type { ErrorPayload } from '../core/errorCodes';

export interface Method<P, R, Progress = never> {
  params: P;
  result: R;
  progress: Progress;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MethodMap = { [name: string]: Method<any, any, any> };
export type EventMap = { [name: string]: unknown };

export type Wire =
  | { kind: 'ready' }
  | { kind: 'request'; id: number; method: string; params: unknown }
  | { kind: 'progress'; id: number; progress: unknown }
  | { kind: 'response'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: ErrorPayload }
  | { kind: 'cancel'; id: number }
  | { kind: 'event'; event: string; data: unknown };

/** The minimal port both `worker_threads` ports and webviews can provide. */
export interface Port {
  post(message: Wire, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (message: Wire) => void): { dispose(): void };
}

export interface RequestContext<Progress> {
  signal: AbortSignal;
  progress(value: Progress): void;
}

export type Handlers<Local extends MethodMap> = {
  [K in keyof Local]: (
    params: Local[K]['params'],
    context: RequestContext<Local[K]['progress']>,
  ) => Promise<Local[K]['result']> | Local[K]['result'];
};

export interface RequestOptions<Progress> {
  signal?: AbortSignal;
  onProgress?: (value: Progress) => void;
}

/** A thrown value that crosses the boundary as a typed error reply. */
export class RemoteError extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.message);
    this.name = 'RemoteError';
  }
}

export function isAbortError(error: unknown): boolean {
  return (error as { name?: string })?.name === 'AbortError' || (error as RemoteError)?.payload?.code === 'cancelled';
}

export function toErrorPayload(error: unknown): ErrorPayload {
  const e = error as { payload?: ErrorPayload; code?: unknown; message?: unknown; file?: unknown; name?: string };
  if (e?.payload && typeof e.payload.code === 'string') return e.payload;
  if (e?.name === 'AbortError') return { code: 'cancelled', message: 'Cancelled.' };
  if (e && typeof e.code === 'string' && typeof e.message === 'string' && e.name === 'DecoderLensError') {
    return { code: e.code as ErrorPayload['code'], message: e.message, file: typeof e.file === 'string' ? e.file : undefined };
  }
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** ArrayBuffers found in a result, so they move instead of being copied. */
export function collectTransferables(value: unknown, out: ArrayBuffer[] = [], depth = 0): ArrayBuffer[] {
  if (depth > 6 || value === null || typeof value !== 'object') return out;
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    if (buffer instanceof ArrayBuffer && value.byteLength === buffer.byteLength && !out.includes(buffer)) out.push(buffer);
    return out;
  }
  if (value instanceof ArrayBuffer) {
    if (!out.includes(value)) out.push(value);
    return out;
  }
  for (const item of Array.isArray(value) ? value : Object.values(value)) collectTransferables(item, out, depth + 1);
  return out;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onProgress?: (value: unknown) => void;
}

export class Connection<
  Local extends MethodMap,
  Remote extends MethodMap,
  LocalEvents extends EventMap = EventMap,
  RemoteEvents extends EventMap = EventMap,
> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Map<number, AbortController>();
  private readonly eventListeners = new Map<string, Set<(data: unknown) => void>>();
  private readonly subscription: { dispose(): void };
  private readyResolve!: () => void;
  /** Resolves when the other side has said it is ready (the handshake). */
  readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    private readonly port: Port,
    private readonly handlers: Partial<Handlers<Local>> = {},
    private readonly options: { transfer?: boolean } = {},
  ) {
    this.subscription = port.onMessage((message) => this.receive(message));
  }

  /** The handshake, bounded: a webview or worker that never loads must not hang a command. */
  whenReady(timeoutMs: number, what: string): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RemoteError({ code: 'internal', message: `${what} did not start within ${Math.round(timeoutMs / 1000)} s.` })),
        timeoutMs,
      );
    });
    return Promise.race([this.ready, timeout]).finally(() => clearTimeout(timer));
  }

  /** Tells the other side this one is listening; it answers with its own ready if it has not yet. */
  announceReady(): void {
    this.port.post({ kind: 'ready' });
  }

  request<K extends keyof Remote & string>(
    method: K,
    params: Remote[K]['params'],
    options: RequestOptions<Remote[K]['progress']> = {},
  ): Promise<Remote[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new RemoteError({ code: 'cancelled', message: 'Cancelled.' }));
        return;
      }
      this.pending.set(id, { resolve, reject, onProgress: options.onProgress as Pending['onProgress'] });
      options.signal?.addEventListener('abort', () => this.port.post({ kind: 'cancel', id }), { once: true });
      this.port.post({ kind: 'request', id, method, params }, this.transferOf(params));
    });
  }

  notify<K extends keyof LocalEvents & string>(event: K, data: LocalEvents[K]): void {
    this.port.post({ kind: 'event', event, data }, this.transferOf(data));
  }

  onEvent<K extends keyof RemoteEvents & string>(event: K, listener: (data: RemoteEvents[K]) => void): { dispose(): void } {
    let set = this.eventListeners.get(event);
    if (!set) this.eventListeners.set(event, (set = new Set()));
    const typed = listener as (data: unknown) => void;
    set.add(typed);
    return { dispose: () => set!.delete(typed) };
  }

  /** Rejects every request still waiting (the other side is gone) and stops listening. */
  dispose(reason: ErrorPayload = { code: 'internal', message: 'The connection was closed.' }): void {
    this.subscription.dispose();
    for (const pending of this.pending.values()) pending.reject(new RemoteError(reason));
    this.pending.clear();
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private transferOf(value: unknown): ArrayBuffer[] | undefined {
    return this.options.transfer ? collectTransferables(value) : undefined;
  }

  private receive(message: Wire): void {
    switch (message.kind) {
      case 'ready':
        this.readyResolve();
        return;
      case 'request':
        void this.serve(message.id, message.method, message.params);
        return;
      case 'cancel':
        this.running.get(message.id)?.abort();
        return;
      case 'progress':
        this.pending.get(message.id)?.onProgress?.(message.progress);
        return;
      case 'response': {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        pending?.resolve(message.result);
        return;
      }
      case 'error': {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        pending?.reject(new RemoteError(message.error));
        return;
      }
      case 'event':
        for (const listener of this.eventListeners.get(message.event) ?? []) listener(message.data);
        return;
    }
  }

  private async serve(id: number, method: string, params: unknown): Promise<void> {
    const handler = (this.handlers as Record<string, Handlers<Local>[string] | undefined>)[method];
    if (!handler) {
      this.port.post({ kind: 'error', id, error: { code: 'internal', message: `No handler for "${method}".` } });
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    try {
      const result = await handler(params, {
        signal: controller.signal,
        progress: (progress) => this.port.post({ kind: 'progress', id, progress }),
      });
      this.port.post({ kind: 'response', id, result }, this.transferOf(result));
    } catch (error) {
      this.port.post({ kind: 'error', id, error: toErrorPayload(error) });
    } finally {
      this.running.delete(id);
    }
  }
}
