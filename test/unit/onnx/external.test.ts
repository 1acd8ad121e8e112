import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { gptGraph, type GptSpec } from '../../../bench/graph/gptGraph';
import { initValues } from '../../../bench/graph/gptModel';
import { T, model } from '../../../bench/graph/onnxBuild';
import { SessionCache, externalDataOptions } from '../../../src/core/decode/sessionCache';
import { buildTappedModel, readModel } from '../../../src/core/onnx';
import { assertProbabilities, assertSameTensor, expectError, ort, tmpDir } from './helpers';
import { SPEC, synthFeeds } from './synth';

/**
 * The generated decoder with every initializer in external data, as exporters do for models over 2 GB:
 * one file `location`, or split over several (transformers.js: model.onnx_data, model.onnx_data_1, …), each
 * tensor whole in one file.
 */
function externalModel(dir: string, locations: string[], spec: GptSpec = SPEC, dataFiles = locations): string {
  const p = gptGraph(spec);
  const chunks: Uint8Array[][] = locations.map(() => []);
  const offsets = locations.map(() => 0);
  const initializer: onnx.ITensorProto[] = p.initializers.map((s, i) => {
    const file = Math.floor((i * locations.length) / p.initializers.length);
    const bytes = new Uint8Array(initValues(s).buffer);
    chunks[file].push(bytes);
    const t: onnx.ITensorProto = {
      name: s.name,
      dims: s.dims,
      dataType: T.FLOAT,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: locations[file] },
        { key: 'offset', value: String(offsets[file]) },
        { key: 'length', value: String(bytes.length) },
      ],
    };
    offsets[file] += bytes.length;
    return t;
  });
  dataFiles.forEach((name, i) => writeFileSync(join(dir, name), Buffer.concat(chunks[i])));
  const path = join(dir, 'decoder_model.onnx');
  writeFileSync(path, model({ name: 'g', node: p.nodes, input: p.inputs, output: p.outputs, initializer }));
  return path;
}

/** Bytes JS holds outside the V8 heap (Buffers, ArrayBuffers), after a full collection when --expose-gc is on. */
function jsOffHeap(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.arrayBuffers + m.external;
}

describe('external data', () => {
  const sessions = new SessionCache();
  after(() => sessions.clear());

  for (const locations of [['decoder_model.onnx_data'], ['decoder_model.onnx_data', 'decoder_model.onnx_data_1']]) {
    it(`ONNX Runtime reads ${locations.length === 1 ? 'the data file' : 'split data files'} from the model's folder; nothing is written`, async () => {
      const dir = tmpDir();
      const path = externalModel(dir, locations);
      const before = readdirSync(dir).sort();
      const info = await readModel(path);
      assert.deepEqual(info.externalDataFiles.sort(), locations);
      const tapped = await buildTappedModel(path);
      assert.equal(tapped.externalDataDir, dir);
      const plain = await ort.InferenceSession.create(path);
      const session = await ort.InferenceSession.create(tapped.bytes, externalDataOptions(tapped.externalDataDir));
      try {
        const feeds = synthFeeds(SPEC, {}, { batch: 1, seq: 3 });
        const want = await plain.run(feeds);
        const got = await session.run(feeds);
        assertSameTensor(got.logits, want.logits, 'logits');
        assertProbabilities(got[tapped.outputs[0].output], { heads: 4, queries: 3, keys: 3, causalPast: 0 }, 'external');
      } finally {
        await plain.release();
        await session.release();
      }
      assert.deepEqual(readdirSync(dir).sort(), before);
    });
  }

  it('the tapped session (taps and lens) holds no copy of the weights in JS memory; logits equal the untapped model', async () => {
    // ~70 MB of weights: a copy would show as tens of MB of ArrayBuffer/external memory while the session is open.
    const spec: GptSpec = { layers: 2, hidden: 256, heads: 4, vocab: 32000 };
    const dir = tmpDir();
    const path = externalModel(dir, ['decoder_model.onnx_data', 'decoder_model.onnx_data_1'], spec);
    const dataBytes = statSync(join(dir, 'decoder_model.onnx_data')).size + statSync(join(dir, 'decoder_model.onnx_data_1')).size;
    assert.ok(dataBytes > 60e6, `${dataBytes}`);
    const base = jsOffHeap();
    const tapped = await sessions.open(path, { taps: true });
    const withLens = await sessions.open(path, { taps: true, lens: { rows: 'last', k: 5 } });
    const grown = jsOffHeap() - base;
    assert.ok(
      grown < dataBytes / 10,
      `JS holds ${(grown / 1e6).toFixed(1)} MB more with the sessions open (weights: ${(dataBytes / 1e6).toFixed(1)} MB)`,
    );

    const plain = await ort.InferenceSession.create(path);
    try {
      const feeds = synthFeeds(spec, {}, { batch: 1, seq: 4 });
      const want = await plain.run(feeds);
      for (const s of [tapped, withLens]) {
        const got = await s.session.run(feeds);
        assertSameTensor(got.logits, want.logits, 'logits');
        assert.ok(s.taps.some((t) => t.tap === 'attention'));
      }
      assert.ok(withLens.lens?.graph, withLens.lens?.unavailable ?? 'no lens');
    } finally {
      await plain.release();
    }
    assert.deepEqual(readdirSync(dir).sort(), ['decoder_model.onnx', 'decoder_model.onnx_data', 'decoder_model.onnx_data_1']);
  });

  it('refuses data outside the model folder, and says which file is missing', async () => {
    const dir = tmpDir();
    const escaping = externalModel(dir, ['../elsewhere.bin'], SPEC, ['unused.bin']);
    await expectError(buildTappedModel(escaping), 'bad-model', '../elsewhere.bin');
    const dir2 = tmpDir();
    const missing = externalModel(dir2, ['weights.onnx_data'], SPEC, ['other.bin']);
    await expectError(buildTappedModel(missing), 'not-found', 'weights.onnx_data');
  });
});
