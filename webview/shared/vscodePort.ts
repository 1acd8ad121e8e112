import type { Port, Wire } from '../../src/protocol/rpc';

export interface VsCodeApi {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

let api: VsCodeApi | undefined;
let acquired = false;

/**
 * The VS Code API, or undefined outside VS Code (the standalone HTML report). acquireVsCodeApi may be called
 * once per page, so the one instance is kept here.
 */
export function vscodeApi(): VsCodeApi | undefined {
  if (!acquired) {
    acquired = true;
    api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
  }
  return api;
}

/** The host side, through postMessage (VS Code serializes typed arrays as binary, not as JSON numbers). */
export function hostPort(target: VsCodeApi | undefined = vscodeApi()): Port {
  if (!target) throw new Error('acquireVsCodeApi is not available: this page is not running in VS Code.');
  return {
    post: (message) => target.postMessage(message),
    onMessage(listener) {
      const handler = (event: MessageEvent<Wire>) => listener(event.data);
      window.addEventListener('message', handler);
      return { dispose: () => window.removeEventListener('message', handler) };
    },
  };
}

/** Two connected ports inside one page (structured clone, like the real boundary), for pages that serve themselves. */
export function localPortPair(): [Port, Port] {
  const channel = new MessageChannel();
  const wrap = (p: MessagePort): Port => ({
    post: (message, transfer) => p.postMessage(message, transfer ?? []),
    onMessage(listener) {
      const handler = (event: MessageEvent<Wire>) => listener(event.data);
      p.addEventListener('message', handler);
      p.start();
      return { dispose: () => p.removeEventListener('message', handler) };
    },
  });
  return [wrap(channel.port1), wrap(channel.port2)];
}
