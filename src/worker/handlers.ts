import * as ort from 'onnxruntime-node';
import { findModelLayout } from '../core/model/layout';
import type { Handlers } from '../protocol/rpc';
import type { WorkerMethods } from '../protocol/worker';
import { SessionCache } from './sessions';

/** The worker's request handlers: every ORT session lives here, never on the extension host. */
export function createHandlers(sessions = new SessionCache()): Handlers<WorkerMethods> {
  return {
    async inspectModel({ modelPath }) {
      const layout = findModelLayout(modelPath);
      const files = [];
      for (const file of layout.files) {
        const session: ort.InferenceSession = await sessions.get(file.path);
        files.push({ file: file.path, role: file.role, inputs: [...session.inputNames], outputs: [...session.outputNames] });
      }
      return { path: modelPath, files };
    },
  };
}
