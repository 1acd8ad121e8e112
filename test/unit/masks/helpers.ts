/** The inspector's runner backed by the core decoder (what the worker does, in-process), and synthetic traces. */
import { MessageChannel } from 'node:worker_threads';
import { decode, openModel } from '../../../src/core/decode';
import type { SessionCache } from '../../../src/core/decode/sessionCache';
import type { AttentionKind, Trace, TraceToken } from '../../../src/core/trace/types';
import type { InspectorCompute, InspectorRunner } from '../../../src/host/inspector/session';
import { workerCompute } from '../../../src/host/inspector/workerCompute';
import type { WorkerClient, WorkerConnection } from '../../../src/host/workerClient';
import { nodePort } from '../../../src/protocol/nodePort';
import { Connection } from '../../../src/protocol/rpc';
import type { WorkerMethods } from '../../../src/protocol/worker';
import { masksHandlers } from '../../../src/worker/masksHandlers';

/**
 * The Masks view's compute as the extension wires it (the host's workerCompute, the worker's handlers, the
 * connection that transfers what it sends), over a MessageChannel instead of a thread: messages are cloned and
 * transferred exactly as between the host and the worker.
 */
export function channelCompute(handlers: object = masksHandlers()): InspectorCompute {
  const { port1, port2 } = new MessageChannel();
  new Connection<WorkerMethods, Record<string, never>>(nodePort(port1), handlers as never, { transfer: true });
  const host: WorkerConnection = new Connection(nodePort(port2), {}, { transfer: true });
  // The channel keeps the process alive only while an answer is awaited (adding a listener refs a port).
  port1.unref();
  port2.unref();
  let waiting = 0;
  const hold = <T>(answer: Promise<T>): Promise<T> => {
    if (waiting++ === 0) port2.ref();
    return answer.finally(() => --waiting === 0 && port2.unref());
  };
  const compute = workerCompute({ get: async () => host } as unknown as WorkerClient);
  return {
    grids: (...a) => hold(compute.grids(...a)),
    grid: (...a) => hold(compute.grid(...a)),
    check: (...a) => hold(compute.check(...a)),
    compare: (...a) => hold(compute.compare(...a)),
    forget: (traces) => compute.forget(traces),
  };
}

export function coreRunner(sessions: SessionCache, calls: string[] = [], compute = channelCompute()): InspectorRunner {
  return {
    compute,
    async rerun(modelPath, options) {
      calls.push(`rerun ${options.attentionMask?.join('')}`);
      return decode(await openModel(modelPath), sessions, options);
    },
    async probe(modelPath, options, signal) {
      calls.push(`probe ${options.text.length} ${options.attentionMask?.join('') ?? 'all'}`);
      if (signal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      return decode(await openModel(modelPath), sessions, options, { signal });
    },
    // What the worker's inspectModel answers: the decoder files' input names.
    async facts(trace) {
      const model = await openModel(trace.model.path);
      const decoders = model.layout.files.filter((f) => f.role !== 'encoder');
      const inputs = await Promise.all(decoders.map(async (f) => (await sessions.open(f.path, { taps: false })).session.inputNames));
      return trace.model.architecture === 'decoder-only'
        ? { positionIdsInput: inputs.some((names) => names.includes('position_ids')) }
        : {};
    },
  };
}

const tok = (i: number, text = ` t${i}`): TraceToken => ({ id: 100 + i, text, start: i * 3, end: i * 3 + 3, special: false });

export interface SyntheticLayer {
  layer?: number;
  kind?: AttentionKind;
  /** [query][key] probabilities (one head); rows are renormalised. */
  attention?: number[][];
  /** [query][key] 0/1 applied mask; omitted = no mask captured. */
  visible?: number[][];
}

/** A decoder-only trace over n input tokens (no generated positions) with the given layers. */
export function syntheticTrace(
  n: number,
  layers: SyntheticLayer[],
  options: { mask?: number[]; kvCache?: boolean; architecture?: Trace['model']['architecture'] } = {},
): Trace {
  const tokens = Array.from({ length: n }, (_, i) => tok(i));
  const flat = (m: number[][]) => Float32Array.from(m.flat());
  return {
    format: 'decoder-lens-trace',
    version: 1,
    createdAt: new Date(0).toISOString(),
    model: {
      path: '/synthetic',
      architecture: options.architecture ?? 'decoder-only',
      layers: layers.length,
      heads: 1,
      kvCache: options.kvCache ?? false,
      files: [],
      vocabSize: 1000,
    },
    settings: {
      maxNewTokens: 4,
      sampling: { strategy: 'greedy', temperature: 1, topK: 50, topP: 0.9, seed: 0 },
      useCache: options.kvCache ?? false,
      captureMaxBytes: 1 << 30,
    },
    input: { text: tokens.map((t) => t.text).join(''), tokens, attentionMask: options.mask ?? tokens.map(() => 1) },
    positions: tokens,
    inputProbs: new Float32Array(n).fill(NaN),
    inputTop: tokens.map(() => []),
    generated: [{ id: 7, text: ' g', prob: 0.5, top: [{ id: 7, text: ' g', prob: 0.5 }] }],
    generatedText: ' g',
    stopReason: 'max-new-tokens',
    attention: layers.flatMap((l, i) =>
      l.attention
        ? [
            {
              layer: l.layer ?? i,
              kind: l.kind ?? 'self',
              heads: 1,
              headAveraged: false,
              queries: l.attention.length,
              keys: l.attention[0].length,
              data: flat(l.attention.map(normalise)),
            },
          ]
        : [],
    ),
    masks: layers.flatMap((l, i) =>
      l.visible
        ? [
            {
              layer: l.layer ?? i,
              kind: l.kind ?? 'self',
              queries: l.visible.length,
              keys: l.visible[0].length,
              visible: Uint8Array.from(l.visible.flat()),
              raw: Float32Array.from(l.visible.flat().map((v) => (v ? 0 : -Infinity))),
            },
          ]
        : [],
    ),
    hidden: [],
    dropped: [],
    unavailable: [],
  };
}

function normalise(row: number[]): number[] {
  const sum = row.reduce((a, b) => a + b, 0);
  return sum > 0 ? row.map((v) => v / sum) : row;
}

/** A causal [n][n] 0/1 matrix, with the keys in `hide` hidden. */
export function causal(n: number, hide: number[] = []): number[][] {
  return Array.from({ length: n }, (_, q) => Array.from({ length: n }, (_, k) => (k <= q && !hide.includes(k) ? 1 : 0)));
}

/** Uniform attention over the 1s of `visible`. */
export function uniformOver(visible: number[][]): number[][] {
  return visible.map((row) => row.map((v) => v));
}
