import assert from 'node:assert/strict';
import { openSync, closeSync, writeSync, ftruncateSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { T, floatTensor, model, node, vi } from '../../../bench/graph/onnxBuild';
import { type GraphInfo, type ReadStats, readModel, readModelBytes } from '../../../src/core/onnx';
import { Writer, concatBytes, readField } from '../../../src/core/onnx/wire';
import { fixtureFile, tmpDir, writeTmp } from './helpers';
import { synthModels } from './synth';

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));

/** The reader's view of a graph must match onnx-proto's full decode, and its byte ranges must hold the weights. */
function compareGraph(file: Uint8Array, mine: GraphInfo, full: onnx.IGraphProto, where: string): void {
  assert.deepEqual(
    mine.inputs.map((v) => v.name),
    (full.input ?? []).map((v) => v.name),
    `${where}: inputs`,
  );
  assert.deepEqual(
    mine.outputs.map((v) => v.name),
    (full.output ?? []).map((v) => v.name),
    `${where}: outputs`,
  );
  assert.equal(mine.nodes.length, full.node?.length ?? 0, `${where}: node count`);
  mine.nodes.forEach((n, i) => {
    const f = full.node![i];
    assert.equal(n.opType, f.opType);
    assert.deepEqual(n.inputs, f.input);
    assert.deepEqual(n.outputs, f.output);
    assert.equal(n.name, f.name ?? '');
    // The node's byte range holds exactly this NodeProto (field key + length + body).
    const bytes = file.subarray(n.range.offset, n.range.offset + n.range.length);
    const field = readField(bytes, 0, bytes.length, 0);
    assert.equal(field.end, bytes.length);
    const decoded = onnx.NodeProto.decode(bytes.subarray(field.start, field.end));
    assert.equal(decoded.opType, f.opType);
    assert.equal(decoded.name, f.name ?? '');
    for (const a of f.attribute ?? []) {
      if (a.g) compareGraph(file, n.subgraphs[a.name!], a.g, `${where}/${n.name}.${a.name}`);
    }
  });
  assert.equal(mine.initializers.length, full.initializer?.length ?? 0, `${where}: initializer count`);
  mine.initializers.forEach((t, i) => {
    const f = full.initializer![i];
    assert.equal(t.name, f.name);
    assert.deepEqual(t.dims, (f.dims ?? []).map(num));
    assert.equal(t.dataType, f.dataType);
    if (f.rawData && f.rawData.length > 0) {
      assert.ok(t.data, `${t.name}: payload range`);
      assert.equal(t.dataField, 'raw_data');
      assert.deepEqual(file.subarray(t.data.offset, t.data.offset + t.data.length), f.rawData, `${t.name}: bytes at the recorded range`);
    }
  });
}

async function compareFile(path: string): Promise<void> {
  const file = readFileSync(path);
  const full = onnx.ModelProto.decode(file);
  const mine = await readModel(path);
  assert.equal(mine.irVersion, num(full.irVersion));
  assert.deepEqual(
    mine.opsets,
    (full.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: num(o.version) })),
  );
  assert.equal(mine.byteLength, file.length);
  compareGraph(file, mine.graph, full.graph!, path);
  assert.deepEqual(readModelBytes(path, file), mine, 'reading from memory gives the same structure');
}

describe('lazy reader on generated models', () => {
  const m = synthModels();

  for (const [label, path] of Object.entries(m).filter(([k]) => k !== 'dir')) {
    it(`matches onnx-proto's full decode: ${label}`, () => compareFile(path));
  }

  it('decodes the merged decoder If with both branches and the shared initializers outside', async () => {
    const info = await readModel(m.merged);
    assert.equal(info.graph.nodes.length, 1);
    const ifNode = info.graph.nodes[0];
    assert.equal(ifNode.opType, 'If');
    assert.deepEqual(Object.keys(ifNode.subgraphs).sort(), ['else_branch', 'then_branch']);
    assert.ok(ifNode.subgraphs.then_branch.nodes.some((n) => n.opType === 'Softmax'));
    assert.ok(info.graph.initializers.length > 0);
    assert.equal(ifNode.subgraphs.then_branch.initializers.length, 0);
  });

  it('decodes attributes: ints, negative ints, floats, tensors', async () => {
    const info = await readModel(m.decoder);
    const ln = info.graph.nodes.find((n) => n.opType === 'LayerNormalization')!;
    assert.equal(ln.attributes.axis, -1);
    assert.ok(Math.abs((ln.attributes.epsilon as number) - 1e-5) < 1e-9);
    const tr = info.graph.nodes.find((n) => n.opType === 'Transpose')!;
    assert.deepEqual(tr.attributes.perm, [0, 2, 1, 3]);
    const c = info.graph.nodes.find((n) => n.opType === 'Constant')!;
    assert.equal(typeof c.attributes.value, 'object');
  });

  it('merges a graph field appended after the original bytes (as surgery does)', async () => {
    const file = readFileSync(m.decoder);
    const tail = new Writer().message(7, new Writer().message(12, new Writer().string(1, 'extra_output'))).finish();
    const path = writeTmp('appended.onnx', concatBytes([file, tail]));
    const info = await readModel(path);
    assert.equal(info.graph.outputs.at(-1)?.name, 'extra_output');
    assert.equal(info.graph.ranges.length, 2);
    assert.equal(info.graph.nodes.length, (await readModel(m.decoder)).graph.nodes.length);
  });

  it('records external data references without opening the data file', async () => {
    const ext = (name: string, offset: number, length: number): onnx.ITensorProto => ({
      name,
      dims: [2, 2],
      dataType: T.FLOAT,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: 'weights.onnx_data' },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    });
    const bytes = model({
      name: 'g',
      node: [node('Add', ['a', 'b'], ['y'], 'add')],
      initializer: [ext('a', 0, 16), ext('b', 16, 16)],
      output: [vi('y', T.FLOAT, [2, 2])],
    });
    const info = await readModel(writeTmp('ext.onnx', bytes));
    assert.deepEqual(info.externalDataFiles, ['weights.onnx_data']);
    assert.deepEqual(info.graph.initializers[1].external, { location: 'weights.onnx_data', offset: 16, length: 16 });
    assert.equal(info.graph.initializers[1].data, null);
  });

  it('reads node metadata (dynamo name scopes) and model metadata', async () => {
    const n = node('Softmax', ['x'], ['y'], 'node_softmax', { axis: -1 });
    // onnx-proto 8 (ONNX 1.10) has no NodeProto.metadata_props; append field 9 to the node by hand.
    const entry = new Writer().string(1, 'pkg.torch.onnx.name_scopes').string(2, "['', 'model', 'layers.3', 'self_attn', 'softmax']");
    const nodeBytes = concatBytes([onnx.NodeProto.encode(n).finish(), new Writer().message(9, entry).finish()]);
    const graph = new Writer()
      .bytes(1, nodeBytes)
      .string(2, 'g')
      .message(11, new Writer().string(1, 'x'))
      .message(12, new Writer().string(1, 'y'));
    const withMeta = new Writer()
      .varint(1, 10)
      .message(7, graph)
      .message(8, new Writer().string(1, '').varint(2, 18))
      .message(14, new Writer().string(1, 'source').string(2, 'test'))
      .finish();
    const info = await readModel(writeTmp('meta.onnx', withMeta));
    assert.equal(info.graph.nodes[0].metadata['pkg.torch.onnx.name_scopes'], "['', 'model', 'layers.3', 'self_attn', 'softmax']");
    assert.deepEqual(info.metadata, { source: 'test' });
  });

  it('never reads the weights: a 3 GB sparse model is scanned with a few KB of I/O', async () => {
    // graph { node, initializer { dims, data_type, name, raw_data: <3 GB hole> }, input, output }
    const payload = 3 * 1024 ** 3;
    const head = new Writer()
      .varint(1, payload / 4)
      .varint(2, T.FLOAT)
      .string(8, 'huge')
      .finish();
    const rawKey = Uint8Array.from([0x4a, ...varint(payload)]); // field 9, wire type 2
    const tensorLen = head.length + rawKey.length + payload;
    const nodeField = new Writer().message(1, new Writer().string(1, 'huge').string(1, 'x').string(2, 'y').string(4, 'Add')).finish();
    const tail = new Writer().message(11, new Writer().string(1, 'x')).message(12, new Writer().string(1, 'y')).finish();
    const initKey = Uint8Array.from([0x2a, ...varint(tensorLen)]); // GraphProto field 5
    const graphLen = nodeField.length + initKey.length + tensorLen + tail.length;
    const prefix = concatBytes([
      new Writer().varint(1, 8).message(8, new Writer().string(1, '').varint(2, 17)).finish(),
      Uint8Array.from([0x3a, ...varint(graphLen)]),
      nodeField,
      initKey,
      head,
      rawKey,
    ]);
    const path = join(tmpDir(), 'sparse.onnx');
    const fd = openSync(path, 'w');
    writeSync(fd, prefix, 0, prefix.length, 0);
    ftruncateSync(fd, prefix.length + payload);
    writeSync(fd, tail, 0, tail.length, prefix.length + payload);
    closeSync(fd);
    const stats: ReadStats = { reads: 0, bytes: 0 };
    const info = await readModel(path, { stats });
    assert.equal(info.graph.initializers[0].name, 'huge');
    assert.deepEqual(info.graph.initializers[0].data, { offset: prefix.length, length: payload });
    assert.deepEqual(
      info.graph.outputs.map((o) => o.name),
      ['y'],
    );
    assert.ok(stats.bytes < 256 * 1024, `read ${stats.bytes} bytes of a ${payload}-byte file`);
  });

  it('a float initializer in a small model keeps no copy of its weights', async () => {
    const bytes = model({
      name: 'g',
      node: [node('Identity', ['w'], ['y'], 'id')],
      initializer: [floatTensor('w', new Float32Array(4096), [4096])],
      output: [vi('y')],
    });
    const info = await readModel(writeTmp('w.onnx', bytes));
    assert.equal(info.graph.initializers[0].small, undefined);
    assert.equal(info.graph.initializers[0].data?.length, 4096 * 4);
  });
});

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

describe('lazy reader on the committed fixtures', () => {
  const files: [string, string][] = [
    ['tiny-gpt', 'decoder_model.onnx'],
    ['tiny-gpt', 'decoder_with_past_model.onnx'],
    ['tiny-gpt', 'decoder_model_merged.onnx'],
    ['tiny-t5', 'encoder_model.onnx'],
    ['tiny-t5', 'decoder_model.onnx'],
    ['tiny-t5', 'decoder_with_past_model.onnx'],
  ];
  for (const [dir, file] of files) {
    it(`${dir}/${file}: structure and initializer byte ranges match onnx-proto`, async () => {
      const path = fixtureFile(dir, file);
      await compareFile(path);
      const info = await readModel(path);
      assert.ok(info.graph.nodes.length > 0);
      if (file.includes('merged')) {
        const ifNode = info.graph.nodes.find((n) => n.opType === 'If');
        assert.ok(ifNode, 'merged decoder has a top-level If');
        assert.ok(ifNode.subgraphs.then_branch.nodes.length > 0 && ifNode.subgraphs.else_branch.nodes.length > 0);
        assert.ok(info.graph.inputs.some((i) => i.name === 'use_cache_branch'));
      }
      if (dir === 'tiny-gpt') assert.ok(info.graph.outputs.some((o) => o.name === 'logits'));
      if (file === 'encoder_model.onnx')
        assert.deepEqual(
          info.graph.outputs.map((o) => o.name),
          ['last_hidden_state'],
        );
    });
  }
});
