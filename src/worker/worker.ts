/** The worker thread: owns ONNX Runtime (its run() is a blocking native call) so the extension host never waits on it. */
import { parentPort } from 'node:worker_threads';
import { Connection } from '../protocol/rpc';
import type { WorkerEvents, WorkerMethods } from '../protocol/worker';
import { createHandlers } from './handlers';
import { nodePort } from '../protocol/nodePort';

if (!parentPort) throw new Error('dist/worker.js must run as a worker thread.');
const connection = new Connection<WorkerMethods, Record<string, never>, WorkerEvents>(nodePort(parentPort), createHandlers(), {
  transfer: true,
});
connection.announceReady();
