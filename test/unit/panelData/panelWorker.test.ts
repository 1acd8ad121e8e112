/**
 * The worker's side of the panel's grid and heavy heads: sent a trace's captures, its pooled maxima give exactly
 * the host's thumbnail bytes and its heads exactly the host's matrices; a trace it does not hold is named as such
 * (the host then sends it again).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toPanelData } from '../../../src/panelData/fromTrace';
import { PanelDataService } from '../../../src/panelData/serve';
import { PANEL_UNKNOWN_TRACE } from '../../../src/protocol/panel';
import { panelHandlers } from '../../../src/worker/panelHandlers';
import { syntheticPanelTrace } from './syntheticTrace';

const context = { signal: new AbortController().signal, progress: () => undefined };

async function sendTo(handlers: ReturnType<typeof panelHandlers>, local: PanelDataService): Promise<void> {
  const { meta, attention, masks } = local.data;
  const traceId = meta.traceId;
  // As the host sends them: copies, one part per message.
  await handlers.panelTrace({ traceId, start: true }, context);
  for (const [index, a] of attention.entries()) {
    const stored = a.quantized ? a.quantized.codes : a.data;
    const capture = {
      ...a,
      data: new Float32Array(0),
      ...(a.quantized ? { quantized: { ...a.quantized, codes: new Uint8Array(0) } } : {}),
    };
    await handlers.panelTrace({ traceId, attention: { capture, length: stored.length } }, context);
    // Uneven slices, as a large capture crosses.
    for (let offset = 0; offset < stored.length; offset += 1000)
      await handlers.panelTrace({ traceId, values: { index, offset, chunk: stored.slice(offset, offset + 1000) } }, context);
  }
  for (const m of masks) await handlers.panelTrace({ traceId, mask: structuredClone(m) }, context);
}

for (const mode of [0, 8, 16, 'sqrt'] as const) {
  const bits = mode === 'sqrt' ? 8 : mode;
  test(`the worker's grid and heads equal the host's (${mode === 'sqrt' ? '8-bit √p codes' : bits ? `${bits}-bit codes` : 'float32'})`, async () => {
    const trace = syntheticPanelTrace({ layers: 3, heads: 2, tokens: 45, bits, sqrt: mode === 'sqrt', seed: 5 + bits, generated: 3 });
    const local = new PanelDataService(toPanelData(trace, 't-a'));
    const viaWorker = new PanelDataService(toPanelData(trace, 't-a'));
    const handlers = panelHandlers();
    await sendTo(handlers, local);
    for (const size of [64, 9]) {
      const params = { traceId: 't-a', kind: 'self' as const, size };
      const pooled = await handlers.panelPool(params, context);
      assert.deepEqual(viaWorker.thumbnailsFrom(params, structuredClone(pooled)), local.thumbnails(params));
      assert.deepEqual(viaWorker.cachedThumbnails(params), local.thumbnails(params));
    }
    for (const head of [0, 1, 'mean'] as const) {
      const params = { traceId: 't-a', kind: 'self' as const, layer: 2, head };
      assert.deepEqual(viaWorker.matrixFrom(params, await handlers.panelHead(params, context)), local.matrix(params));
    }
  });
}

test('a trace the worker does not hold (or no longer: it keeps the newest two) is named as unknown', async () => {
  const handlers = panelHandlers();
  const ask = (traceId: string) => handlers.panelPool({ traceId, kind: 'self', size: 8 }, context);
  await assert.rejects(
    async () => ask('t-none'),
    (e: Error) => e.message.startsWith(PANEL_UNKNOWN_TRACE),
  );
  const traces = ['t-1', 't-2', 't-3'].map(
    (id, i) =>
      new PanelDataService(toPanelData(syntheticPanelTrace({ layers: 1, heads: 1, tokens: 9, bits: 8, seed: i + 1, generated: 2 }), id)),
  );
  for (const t of traces) await sendTo(handlers, t);
  await assert.rejects(
    async () => ask('t-1'),
    (e: Error) => e.message.startsWith(PANEL_UNKNOWN_TRACE),
  );
  const params = { traceId: 't-3', kind: 'self' as const, size: 8 };
  assert.deepEqual(new PanelDataService(traces[2].data).thumbnailsFrom(params, await ask('t-3')), traces[2].thumbnails(params));
  // A bad request is its own error, not an unknown trace.
  await assert.rejects(
    async () => handlers.panelHead({ traceId: 't-3', kind: 'self', layer: 0, head: 5 }, context),
    (e: Error) => !e.message.startsWith(PANEL_UNKNOWN_TRACE) && /no head 5/.test(e.message),
  );
  await assert.rejects(async () => handlers.panelPool({ traceId: 't-3', kind: 'cross', size: 8 }, context), /No cross attention/);
});
