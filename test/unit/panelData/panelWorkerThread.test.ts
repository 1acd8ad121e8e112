/**
 * The panel's grid and heads from the real worker thread (dist/worker.js) on a real decode of the tiny GPT: the
 * captures sent as the host sends them (a copy per message; the connection transfers what it sends), the answers
 * equal to the host's own data service, and the host's trace left intact by the transfers.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { toPanelData } from '../../../src/panelData/fromTrace';
import { PanelDataService } from '../../../src/panelData/serve';
import { nodePort } from '../../../src/protocol/nodePort';
import { Connection } from '../../../src/protocol/rpc';
import type { WorkerMethods } from '../../../src/protocol/worker';
import { fixture, repoRoot } from '../paths';

const workerFile = join(repoRoot, 'dist', 'worker.js');
let worker: Worker;
let connection: Connection<Record<string, never>, WorkerMethods>;

before(async () => {
  assert.ok(existsSync(workerFile), 'dist/worker.js exists (npm run build)');
  worker = new Worker(workerFile);
  connection = new Connection(nodePort(worker), {}, { transfer: true });
  await connection.ready;
});
after(async () => {
  connection.dispose();
  await worker.terminate();
});

test('the worker pools the grid and serves heads exactly as the host would', async () => {
  const trace = await connection.request('decode', {
    modelPath: fixture('tiny-gpt'),
    text: 'copy: the red cat sat on the mat =',
    maxNewTokens: 6,
  });
  const host = new PanelDataService(toPanelData(trace, 't-tiny'));
  const reference = new PanelDataService(toPanelData(structuredClone(trace), 't-tiny'));
  const traceId = 't-tiny';
  await connection.request('panelTrace', { traceId, start: true });
  for (const [index, a] of host.data.attention.entries()) {
    const capture = { ...a, data: new Float32Array(0) };
    await connection.request('panelTrace', { traceId, attention: { capture, length: a.data.length } });
    for (let offset = 0; offset < a.data.length; offset += 777)
      await connection.request('panelTrace', { traceId, values: { index, offset, chunk: a.data.slice(offset, offset + 777) } });
  }
  for (const m of host.data.masks) await connection.request('panelTrace', { traceId, mask: structuredClone(m) });
  for (const size of [64, 5]) {
    const params = { traceId, kind: 'self' as const, size };
    const pooled = await connection.request('panelPool', params);
    assert.deepEqual(host.thumbnailsFrom(params, pooled), reference.thumbnails(params));
  }
  const last = host.data.attention.length - 1;
  for (const head of [0, 'mean'] as const) {
    const params = { traceId, kind: 'self' as const, layer: last, head };
    assert.deepEqual(host.matrixFrom(params, await connection.request('panelHead', params)), reference.matrix(params));
  }
  // The host's trace kept its buffers (only copies crossed).
  assert.deepEqual(host.data.attention[0].data, reference.data.attention[0].data);
  assert.ok(host.data.attention[0].data.length > 0);
});
