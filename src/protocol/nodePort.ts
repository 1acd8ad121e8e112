import type { Port, Wire } from './rpc';

/** What parentPort, MessagePort and Worker share. */
interface NodeMessageTarget {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (message: Wire) => void): unknown;
  off(event: 'message', listener: (message: Wire) => void): unknown;
}

/** Adapts a worker_threads port (parentPort or a Worker) to the protocol's Port. */
export function nodePort(target: NodeMessageTarget): Port {
  return {
    post: (message, transfer) => target.postMessage(message, transfer ?? []),
    onMessage(listener) {
      const handler = (message: Wire) => listener(message);
      target.on('message', handler);
      return { dispose: () => target.off('message', handler) };
    },
  };
}
