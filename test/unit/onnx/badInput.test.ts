import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { gptModel } from '../../../bench/graph/gptModel';
import { T, model, node, vi } from '../../../bench/graph/onnxBuild';
import { LIMITS, buildTappedModel, readModel } from '../../../src/core/onnx';
import { Writer, concatBytes, encodeVarint, readField } from '../../../src/core/onnx/wire';
import { expectError, tmpDir, writeTmp } from './helpers';
import { SPEC } from './synth';

const good = gptModel(SPEC);

/** Wraps a graph body into a minimal ModelProto (ir_version, opset, graph). */
const wrapGraph = (graph: Writer) =>
  new Writer().varint(1, 8).message(8, new Writer().string(1, '').varint(2, 17)).message(7, graph).finish();

describe('bad input gives a typed error naming the file', () => {
  it('a truncated model (cut anywhere in its structure)', async () => {
    for (const cut of [10, 200, Math.floor(good.length / 2), good.length - 3]) {
      const path = writeTmp(`truncated-${cut}.onnx`, good.subarray(0, cut));
      const e = await expectError(readModel(path), 'bad-model', path);
      assert.match(e.message, /truncated or corrupt/);
      assert.equal(e.file, path);
      await expectError(buildTappedModel(path), 'bad-model', path);
    }
  });

  it('a declared length past the end of the file', async () => {
    const bytes = new Uint8Array(good);
    const f = readField(bytes, 2, bytes.length, 0); // the field after ir_version
    const patched = concatBytes([bytes.subarray(0, f.keyStart + 1), Uint8Array.from(encodeVarint(2 ** 40)), bytes.subarray(f.start)]);
    const path = writeTmp('length.onnx', patched);
    const e = await expectError(readModel(path), 'bad-model', path);
    assert.match(e.message, /declared length 1099511627776/);
  });

  it('garbage bytes, a JSON file, a PNG, an empty file: not ONNX', async () => {
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256);
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const cases: [string, Uint8Array | string, RegExp][] = [
      ['garbage.onnx', garbage, /not an ONNX model/],
      ['config.json', JSON.stringify({ model_type: 'gpt2', n_layer: 2 }), /text or JSON/],
      ['image.onnx', png, /PNG image/],
      ['empty.onnx', '', /empty/],
    ];
    for (const [name, bytes, message] of cases) {
      const path = writeTmp(name, bytes);
      const e = await expectError(readModel(path), ['not-onnx', 'bad-model'], path);
      assert.match(e.message, message);
    }
  });

  it('a protobuf that is not a ModelProto (a TensorProto)', async () => {
    const tensor = onnx.TensorProto.encode({ dims: [2], dataType: T.FLOAT, name: 't', rawData: new Uint8Array(8) }).finish();
    await expectError(readModel(writeTmp('tensor.pb', tensor)), ['not-onnx', 'bad-model']);
  });

  it('absurdly nested subgraphs and types stop at a depth limit, not at the stack', async () => {
    let g = new Writer().string(2, 'leaf');
    for (let i = 0; i < 40; i++) {
      const attr = new Writer().string(1, 'then_branch').message(6, g).varint(20, 5);
      g = new Writer().message(1, new Writer().string(1, 'c').string(4, 'If').message(5, attr)).string(2, `g${i}`);
    }
    const path = writeTmp('nested.onnx', wrapGraph(g));
    const e = await expectError(readModel(path), 'bad-model', path);
    assert.match(e.message, /nested more than/);
    let type = new Writer().message(1, new Writer().varint(1, 1));
    for (let i = 0; i < 500; i++) type = new Writer().message(4, new Writer().message(1, type));
    const deepType = wrapGraph(new Writer().message(11, new Writer().string(1, 'x').message(2, type)));
    await expectError(readModel(writeTmp('deeptype.onnx', deepType)), 'bad-model');
  });

  it('too many nodes stops at the count limit', async () => {
    const saved = LIMITS.maxNodes;
    LIMITS.maxNodes = 1000;
    try {
      const empty = new Uint8Array(2 * 5000).map((_, i) => (i % 2 === 0 ? 0x0a : 0)); // 5000 empty NodeProtos
      const bytes = concatBytes([new Writer().varint(1, 8).finish(), Uint8Array.from([0x3a, ...encodeVarint(empty.length)]), empty]);
      const e = await expectError(readModel(writeTmp('many.onnx', bytes)), 'bad-model');
      assert.match(e.message, /more than 1000 nodes/);
    } finally {
      LIMITS.maxNodes = saved;
    }
  });

  it('a model with no attention cannot be tapped (unsupported, saying why)', async () => {
    const bytes = model({
      name: 'g',
      node: [node('Relu', ['x'], ['y'], 'relu')],
      input: [vi('x', T.FLOAT, [2])],
      output: [vi('y', T.FLOAT, [2])],
    });
    const path = writeTmp('relu.onnx', bytes);
    const e = await expectError(buildTappedModel(path), 'unsupported', path);
    assert.match(e.message, /no Softmax/);
  });

  it('a missing file, a folder', async () => {
    const dir = tmpDir();
    await expectError(readModel(join(dir, 'nope.onnx')), 'not-found', 'nope.onnx');
    await expectError(buildTappedModel(join(dir, 'nope.onnx')), 'not-found', 'nope.onnx');
    mkdirSync(join(dir, 'folder.onnx'));
    await expectError(readModel(join(dir, 'folder.onnx')), 'bad-input', 'folder.onnx');
  });

  it('the good model still reads (the cases above are really bad)', async () => {
    const info = await readModel(writeTmp('good.onnx', good));
    assert.ok(info.graph.nodes.length > 0);
    assert.ok(readFileSync(writeTmp('good2.onnx', good)).length === good.length);
  });
});
