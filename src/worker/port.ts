import type { MessagePort } from 'node:worker_threads';
import type { Port, Wire } from '../protocol/rpc';

/** Adapts a worker_threads port (parentPort or a Worker) to the protocol's Port. */
export function nodePort(target: Pick<MessagePort, 'postMessage' | 'on' | 'off'>): Port {
  return {
    post: (message, transfer) => target.postMessage(message, transfer ?? []),
    onMessage(listener) {
      const handler = (message: Wire) => listener(message);
      target.on('message', handler);
      return { dispose: () => target.off('message', handler) };
    },
  };
}
