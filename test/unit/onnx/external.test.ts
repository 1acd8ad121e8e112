import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { gptGraph } from '../../../bench/graph/gpt-graph';
import { initValues } from '../../../bench/graph/gpt-model';
import { T, model } from '../../../bench/graph/onnx-build';
import { buildTappedModel, readModel } from '../../../src/core/onnx';
import { assertProbabilities, assertSameTensor, expectError, ort, tmpDir } from './helpers';
import { SPEC, synthFeeds } from './synth';

/** The generated decoder with every initializer in `location` (as exporters do for models over 2 GB). */
function externalModel(dir: string, location: string, dataFile = location): string {
  const p = gptGraph(SPEC);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const initializer: onnx.ITensorProto[] = p.initializers.map((s) => {
    const v = initValues(s);
    const bytes = new Uint8Array(v.buffer);
    chunks.push(bytes);
    const t: onnx.ITensorProto = {
      name: s.name,
      dims: s.dims,
      dataType: T.FLOAT,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.length) },
      ],
    };
    offset += bytes.length;
    return t;
  });
  writeFileSync(join(dir, dataFile), Buffer.concat(chunks));
  const path = join(dir, 'decoder_model.onnx');
  writeFileSync(path, model({ name: 'g', node: p.nodes, input: p.inputs, output: p.outputs, initializer }));
  return path;
}

describe('external data', () => {
  it('hands the data files to ONNX Runtime in memory and writes nothing beside the model', async () => {
    const dir = tmpDir();
    const path = externalModel(dir, 'decoder_model.onnx_data');
    const before = readdirSync(dir).sort();
    const info = await readModel(path);
    assert.deepEqual(info.externalDataFiles, ['decoder_model.onnx_data']);
    const tapped = await buildTappedModel(path);
    assert.deepEqual(
      tapped.externalData?.map((e) => e.path),
      ['decoder_model.onnx_data'],
    );
    const plain = await ort.InferenceSession.create(path);
    const session = await ort.InferenceSession.create(tapped.bytes, { externalData: tapped.externalData });
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

  it('refuses data outside the model folder, and says which file is missing', async () => {
    const dir = tmpDir();
    const escaping = externalModel(dir, '../elsewhere.bin', 'unused.bin');
    await expectError(buildTappedModel(escaping), 'bad-model', '../elsewhere.bin');
    const dir2 = tmpDir();
    const missing = externalModel(dir2, 'weights.onnx_data', 'other.bin');
    await expectError(buildTappedModel(missing), 'not-found', 'weights.onnx_data');
  });
});
