/**
 * The Masks view's heavy work in the worker (src/worker/masksStore.ts): each trace is sent once, a layer per
 * message, then grids, checks and comparisons are asked by id. The host's share is copying one capture at a
 * time (the connection transfers what it sends, and the trace stays the panel's), between which its event loop
 * runs, and encoding the pooled weights of the cells sent.
 *
 * Why the ORT worker and not a thread of its own: the worker already runs beside the host with the protocol
 * and restarts, and a second thread would hold a second copy of each trace too. The cost: a grid asked while a
 * probe decode's ORT run holds the worker waits for that run to end.
 */
import type { InspectorCompute } from './session';
import type { ProbeResult } from '../../core/masks';
import type { Trace } from '../../core/trace/types';
import { MASKS_UNKNOWN_TRACE } from '../../protocol/inspector';
import type { WorkerClient, WorkerConnection } from '../workerClient';

export function workerCompute(worker: WorkerClient): InspectorCompute {
  const sent = new WeakMap<Trace, Promise<string>>();
  let next = 0;

  async function send(trace: Trace): Promise<string> {
    const traceId = `masks-${++next}`;
    const connection = await worker.get();
    // Hidden states and the lens are not read by the checks or grids; the raw additive mask values are for display.
    const { attention, masks, hidden: _h, lens: _l, ...rest } = trace;
    await connection.request('masksTrace', { traceId, shell: await copied({ ...rest, attention: [], masks: [], hidden: [] }) });
    for (const a of attention) await connection.request('masksTrace', { traceId, attention: await copied(a) });
    for (const m of masks) await connection.request('masksTrace', { traceId, mask: await copied({ ...m, raw: new Float32Array(0) }) });
    return traceId;
  }

  function idOf(trace: Trace): Promise<string> {
    let id = sent.get(trace);
    if (!id) {
      id = send(trace);
      sent.set(trace, id);
      id.catch(() => sent.delete(trace));
    }
    return id;
  }

  /** Asks about these traces, sending them first if the worker does not hold them (a restart, or dropped). */
  async function withTraces<T>(traces: Trace[], ask: (connection: WorkerConnection, ids: string[]) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const ids = await Promise.all(traces.map(idOf));
      try {
        return await ask(await worker.get(), ids);
      } catch (error) {
        if (attempt > 0 || !String((error as Error).message).startsWith(MASKS_UNKNOWN_TRACE)) throw error;
        for (const t of traces) sent.delete(t);
      }
    }
  }

  return {
    grids: (trace, taps, side) => withTraces([trace], (c, [traceId]) => c.request('masksGrids', { traceId, taps: [...taps], side })),
    grid: (trace, request, taps) => withTraces([trace], (c, [traceId]) => c.request('masksGrid', { traceId, taps: [...taps], request })),
    check(trace, context, probes?: ProbeResult[]) {
      const { note: _, ...sendable } = context as typeof context & { note?: unknown };
      const probeTraces = (probes ?? []).flatMap((p) => ('trace' in p ? [p.trace] : []));
      return withTraces([trace, ...probeTraces], (c, [traceId, ...probeIds]) =>
        c.request('masksCheck', {
          traceId,
          context: sendable,
          probes: probes?.map((p) => ('trace' in p ? { id: p.id, traceId: probeIds[probeTraces.indexOf(p.trace)] } : p)),
        }),
      );
    },
    compare: (base, other) =>
      withTraces([base, other], (c, [baseTraceId, otherTraceId]) => c.request('masksCompare', { baseTraceId, otherTraceId })),
    forget(traces) {
      const ids = traces.map((t) => sent.get(t));
      for (const t of traces) sent.delete(t);
      void Promise.all(ids.map((id) => id?.catch(() => undefined)))
        .then(async (known) => {
          const traceIds = known.filter((id): id is string => !!id);
          if (traceIds.length) await (await worker.get()).request('masksForget', { traceIds });
        })
        .catch(() => undefined);
    },
  };
}

/** Elements copied between turns of the event loop: a few milliseconds each (a 4,096² layer copied at once took 40–110 ms). */
const COPY_CHUNK = 1 << 21;

/**
 * `value` with every typed array replaced by a copy (the connection transfers typed arrays, and the trace's stay
 * the panel's), copied a chunk at a time with the event loop let run between chunks. The rest is cloned by
 * postMessage as usual.
 */
async function copied<T>(value: T): Promise<T> {
  if (ArrayBuffer.isView(value)) {
    const source = value as unknown as Uint8Array;
    const out = new (source.constructor as Uint8ArrayConstructor)(source.length);
    for (let i = 0; i < source.length; i += COPY_CHUNK) {
      out.set(source.subarray(i, i + COPY_CHUNK), i);
      if (i + COPY_CHUNK < source.length) await new Promise((resolve) => setImmediate(resolve));
    }
    return out as unknown as T;
  }
  if (Array.isArray(value)) {
    // Token lists and the like: copied only when they hold typed arrays somewhere (they rarely do).
    return (value.some((v) => v !== null && typeof v === 'object') ? await Promise.all(value.map((v) => copied(v))) : value) as T;
  }
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = await copied(v);
  return out as T;
}
