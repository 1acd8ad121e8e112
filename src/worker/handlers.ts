import { decode, openModel } from '../core/decode';
import { SessionCache } from '../core/decode/sessionCache';
import { findModelLayout } from '../core/model/layout';
import type { Handlers } from '../protocol/rpc';
import type { WorkerMethods } from '../protocol/worker';
import { SerialQueue } from './serialQueue';

/** The worker's request handlers: every ORT session lives here, never on the extension host. */
export function createHandlers(sessions = new SessionCache()): Handlers<WorkerMethods> {
  // ORT runs one model at a time well on small machines; decodes wait their turn (each can be cancelled).
  const queue = new SerialQueue();
  return {
    async inspectModel({ modelPath }) {
      const layout = findModelLayout(modelPath);
      const files = [];
      for (const file of layout.files) {
        const { session } = await sessions.open(file.path, { taps: false });
        files.push({ file: file.path, role: file.role, inputs: [...session.inputNames], outputs: [...session.outputNames] });
      }
      return { path: modelPath, files };
    },
    decode({ modelPath, ...options }, { signal, progress }) {
      return queue.run(signal, async () => {
        const model = await openModel(modelPath);
        return decode(model, sessions, options, { signal, onStep: (step, total) => progress({ step, total }) });
      });
    },
  };
}
