/**
 * The panel's grid and heavy heads from the worker (src/worker/panelHandlers.ts), so the extension host's thread
 * never pools billions of probabilities or decodes a 4,096² head: the host only turns the pooled maxima into
 * colour bytes and adds the mask. Each trace is sent once, at the first request about it (sending it as soon as
 * the panel showed it made the ablation integration test's compare view never draw; not explained yet), a capture
 * per message, copied a few MB at a time (the connection transfers what it sends, and the trace stays the host's)
 * with the event loop free between them. If the worker cannot answer (it failed, or lost the trace twice) the
 * host's own service answers, in slices.
 *
 * Why the ORT worker, like the Masks view's grids: it already runs beside the host with the protocol and
 * restarts; a thread of its own would hold one more copy of each trace. The cost: a request asked while a decode
 * step's ORT run holds the worker waits for that step.
 */
import type { PanelDataService } from '../../panelData/serve';
import {
  PANEL_UNKNOWN_TRACE,
  type MatrixParams,
  type MatrixResult,
  type ThumbnailParams,
  type ThumbnailResult,
} from '../../protocol/panel';
import type { WorkerClient, WorkerConnection } from '../workerClient';

const SLICE_BYTES = 4 * 2 ** 20;

export interface PanelCompute {
  thumbnails(service: PanelDataService, params: ThumbnailParams): Promise<ThumbnailResult>;
  matrix(service: PanelDataService, params: MatrixParams): Promise<MatrixResult>;
}

export function workerPanelCompute(worker: WorkerClient): PanelCompute {
  const sent = new WeakMap<PanelDataService, Promise<void>>();

  async function send(service: PanelDataService): Promise<void> {
    const connection = await worker.get();
    const { meta, attention, masks } = service.data;
    const traceId = meta.traceId;
    await connection.request('panelTrace', { traceId, start: true });
    for (const [index, a] of attention.entries()) {
      // Top-k rows are compact already: one message.
      if (a.topK) {
        await connection.request('panelTrace', { traceId, attention: { capture: structuredClone(a), length: 0 } });
        continue;
      }
      const { data, quantized, ...info } = a;
      const stored = quantized ? quantized.codes : data;
      const capture = {
        ...info,
        data: new Float32Array(0),
        ...(quantized ? { quantized: { ...quantized, codes: new Uint8Array(0) } } : {}),
      };
      await connection.request('panelTrace', { traceId, attention: { capture, length: stored.length } });
      // Copies of ~4 MB (a millisecond or two each), the event loop free between them.
      const step = Math.max(1, Math.floor(SLICE_BYTES / stored.BYTES_PER_ELEMENT));
      for (let offset = 0; offset < stored.length; offset += step)
        await connection.request('panelTrace', { traceId, values: { index, offset, chunk: stored.slice(offset, offset + step) } });
    }
    for (const m of masks) await connection.request('panelTrace', { traceId, mask: structuredClone(m) });
  }

  function sending(service: PanelDataService): Promise<void> {
    let done = sent.get(service);
    if (!done) {
      done = send(service);
      sent.set(service, done);
      done.catch(() => sent.delete(service));
    }
    return done;
  }

  async function ask<T>(service: PanelDataService, run: (c: WorkerConnection) => Promise<T>, local: () => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await sending(service);
        return await run(await worker.get());
      } catch (error) {
        // A bad request (no such head) gets the host's own answer, the same error; a lost trace is sent again.
        if (!String((error as Error).message).startsWith(PANEL_UNKNOWN_TRACE)) break;
        sent.delete(service);
      }
    }
    return local();
  }

  return {
    thumbnails: async (service, params) =>
      service.cachedThumbnails(params) ??
      ask(
        service,
        async (c) => service.thumbnailsFrom(params, await c.request('panelPool', params)),
        () => service.thumbnailsSliced(params),
      ),
    matrix: async (service, params) =>
      !service.matrixIsHeavy(params)
        ? service.matrix(params)
        : ask(
            service,
            async (c) => service.matrixFrom(params, await c.request('panelHead', params)),
            () => service.matrixSliced(params),
          ),
  };
}
