/** Host ⇄ worker: the worker owns every ONNX Runtime session; the host only asks. */
import type { Method } from './rpc';
import type { ModelSummary } from './model';

export type WorkerMethods = {
  /** Loads every ONNX file of a model (sessions are cached per file) and lists their inputs and outputs. */
  inspectModel: Method<{ modelPath: string }, ModelSummary>;
};

export type WorkerEvents = Record<string, never>;
