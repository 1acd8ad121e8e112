import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Connection, RemoteError } from '../../../src/protocol/rpc';
import type { WorkerMethods } from '../../../src/protocol/worker';
import { nodePort } from '../../../src/protocol/nodePort';
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

const prompt = 'copy: the red cat sat on the mat =';

describe('the worker thread owns ORT and speaks the protocol', () => {
  test('decodes with progress per step; the main thread keeps ticking meanwhile', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const steps: number[] = [];
    const trace = await connection.request(
      'decode',
      { modelPath: fixture('tiny-gpt'), text: prompt, maxNewTokens: 12 },
      { onProgress: (p) => steps.push(p.step) },
    );
    clearInterval(timer);
    assert.deepEqual(
      steps,
      trace.generated.map((_, i) => i + 1),
    );
    assert.ok(trace.attention[0].data instanceof Float32Array, 'tensors cross as typed arrays');
    assert.ok(ticks > 0, 'the event loop was not blocked');
  });

  test('cancel mid-decode stops before the decode ends and says so', async () => {
    // Hot sampling (seeded, so the same every run) keeps the tiny model from stopping at its end-of-sequence.
    const long = {
      modelPath: fixture('tiny-gpt'),
      text: 'copy: the red',
      maxNewTokens: 48,
      useCache: false,
      sampling: { strategy: 'top-k' as const, topK: 300, topP: 1, temperature: 5, seed: 3 },
    };
    const full = await connection.request('decode', long);
    assert.ok(full.generated.length > 20, `the uncancelled run is long (${full.generated.length} steps)`);
    const controller = new AbortController();
    let seen = 0;
    const request = connection.request('decode', long, {
      signal: controller.signal,
      onProgress: (p) => {
        seen = p.step;
        if (p.step === 2) controller.abort();
      },
    });
    await assert.rejects(request, (e: unknown) => e instanceof RemoteError && e.payload.code === 'cancelled');
    // The worker checks between steps; the cancel message may land a step or two after abort() on a tiny model.
    assert.ok(seen < full.generated.length, `stopped at step ${seen} of ${full.generated.length}`);
  });

  test('a second request while one runs: both finish, in order, with their own results', async () => {
    const order: string[] = [];
    const a = connection
      .request('decode', { modelPath: fixture('tiny-gpt'), text: prompt, maxNewTokens: 10 })
      .then((t) => (order.push('a'), t));
    const b = connection
      .request('decode', { modelPath: fixture('tiny-t5'), text: 'red cat sat', maxNewTokens: 6 })
      .then((t) => (order.push('b'), t));
    const [ta, tb] = await Promise.all([a, b]);
    assert.deepEqual(order, ['a', 'b']);
    assert.equal(ta.model.architecture, 'decoder-only');
    assert.equal(tb.model.architecture, 'encoder-decoder');
  });

  test('errors come back as typed replies and the worker stays alive', async () => {
    await assert.rejects(
      connection.request('decode', { modelPath: '/no/such/model', text: 'x' }),
      (e: unknown) => e instanceof RemoteError && e.payload.code === 'not-found' && e.message.includes('/no/such/model'),
    );
    const summary = await connection.request('inspectModel', { modelPath: fixture('tiny-gpt') });
    assert.ok(summary.files.some((f) => f.outputs.includes('logits')));
  });
});

describe('the worker opens the variant the host names', () => {
  const tjs = fixture('tiny-gpt-tjs');

  test('decode with modelVariant q4 runs model_q4.onnx; without one the fp32 model.onnx', async () => {
    const q4 = await connection.request('decode', { modelPath: tjs, modelVariant: 'q4', text: prompt, maxNewTokens: 2 });
    assert.deepEqual(q4.model.variant, { name: 'q4', dtype: 'q4' });
    assert.deepEqual(
      q4.model.files.map((f) => f.split(/[\\/]/).pop()),
      ['model_q4.onnx'],
    );
    const plain = await connection.request('decode', { modelPath: tjs, text: prompt, maxNewTokens: 2 });
    assert.deepEqual(
      plain.model.files.map((f) => f.split(/[\\/]/).pop()),
      ['model.onnx'],
    );
  });

  test('compare fp32 with q4 of one folder: both run, the sides are labelled by variant', async () => {
    const { a, b, report } = await connection.request('compare', {
      modelPath: tjs,
      modelVariant: 'fp32',
      text: prompt,
      maxNewTokens: 3,
      other: { modelPath: tjs, modelVariant: 'q4' },
    });
    assert.equal(a.model.variant?.name, 'fp32');
    assert.equal(b.model.variant?.name, 'q4');
    assert.equal(report.a.label, `${tjs} [fp32]`);
    assert.equal(report.b.label, `${tjs} [q4]`);
  });

  test('an unknown variant is refused with the variants the folder has', async () => {
    await assert.rejects(
      connection.request('decode', { modelPath: tjs, modelVariant: 'fp8', text: prompt, maxNewTokens: 1 }),
      (e: unknown) => e instanceof RemoteError && /No variant "fp8".*q4/s.test(e.message),
    );
  });
});
