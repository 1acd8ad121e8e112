import type { Port, Wire } from '../../src/protocol/rpc';

interface VsCodeApi {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called once per page: keep the one instance here. */
export const vscodeApi: VsCodeApi = acquireVsCodeApi();

export function hostPort(): Port {
  return {
    post: (message) => vscodeApi.postMessage(message),
    onMessage(listener) {
      const handler = (event: MessageEvent<Wire>) => listener(event.data);
      window.addEventListener('message', handler);
      return { dispose: () => window.removeEventListener('message', handler) };
    },
  };
}
