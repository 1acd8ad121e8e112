import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tapsCommand } from '../../../src/cli/taps';
import { expectError, fixtureFile, tmpDir, writeTmp } from './helpers';
import { synthModels } from './synth';

describe('taps command', () => {
  it('reports every .onnx file of a folder and its onnx/ subfolder, in the documented shape', async () => {
    const m = synthModels();
    mkdirSync(join(m.dir, 'onnx'));
    copyFileSync(m.encoder, join(m.dir, 'onnx', 'model.onnx'));
    writeTmp('broken.onnx', 'not a model', m.dir);
    const json = await tapsCommand(m.dir);
    const files = json.files.map((f) => f.file);
    assert.deepEqual(files, [
      'broken.onnx',
      'decoder_model.onnx',
      'decoder_model_merged.onnx',
      'decoder_with_past_model.onnx',
      'encoder_model.onnx',
      'onnx/model.onnx',
      't5_decoder_model.onnx',
      't5_decoder_with_past_model.onnx',
    ]);
    const byFile = new Map(json.files.map((f) => [f.file, f]));
    assert.equal(byFile.get('broken.onnx')!.error?.code, 'not-onnx');
    const dec = byFile.get('decoder_model.onnx')!;
    assert.deepEqual(Object.keys(dec).slice(0, 6), ['file', 'role', 'attention', 'hiddenStates', 'logits', 'unavailable']);
    assert.deepEqual(
      dec.attention.map(({ tensor, layer, kind, heads, mask }) => ({ tensor, layer, kind, heads, mask })),
      [
        { tensor: '/model/layers.0/self_attn/Softmax_output_0', layer: 0, kind: 'self', heads: 4, mask: '/model/Where_output_0' },
        { tensor: '/model/layers.1/self_attn/Softmax_output_0', layer: 1, kind: 'self', heads: 4, mask: '/model/Where_output_0' },
      ],
    );
    assert.deepEqual(
      dec.hiddenStates.map(({ tensor, layer }) => ({ tensor, layer })),
      [
        { tensor: '/model/layers.0/Add_1_output_0', layer: 0 },
        { tensor: '/model/layers.1/Add_1_output_0', layer: 1 },
      ],
    );
    assert.equal(dec.logits, 'logits');
    assert.deepEqual(dec.unavailable, []);
    assert.equal(byFile.get('decoder_model_merged.onnx')!.role, 'decoder-merged');
    assert.equal(byFile.get('onnx/model.onnx')!.role, 'encoder');
    assert.deepEqual(
      byFile.get('t5_decoder_model.onnx')!.attention.map((a) => a.kind),
      ['self', 'cross', 'self', 'cross'],
    );
    JSON.parse(JSON.stringify(json)); // plain data
  });

  it('one .onnx file; a bad file alone is an error', async () => {
    const m = synthModels();
    const json = await tapsCommand(m.withPast);
    assert.deepEqual(
      json.files.map((f) => [f.file, f.role, f.attention.length]),
      [['decoder_with_past_model.onnx', 'decoder-with-past', 2]],
    );
    await expectError(tapsCommand(writeTmp('bad.onnx', '{"x": 1}')), 'not-onnx', 'bad.onnx');
    await expectError(tapsCommand(join(tmpDir(), 'missing')), 'not-found');
    await expectError(tapsCommand(tmpDir()), 'not-found');
  });

  it('the tiny-gpt fixture folder', async () => {
    fixtureFile('tiny-gpt', 'decoder_model.onnx');
    const json = await tapsCommand(join(fixtureFile('tiny-gpt', 'config.json'), '..'));
    assert.deepEqual(
      json.files.map((f) => [f.file, f.role, f.attention.length, f.hiddenStates.length, f.logits]),
      [
        ['decoder_model.onnx', 'decoder', 2, 2, 'logits'],
        ['decoder_model_merged.onnx', 'decoder-merged', 2, 2, 'logits'],
        ['decoder_with_past_model.onnx', 'decoder-with-past', 2, 2, 'logits'],
      ],
    );
  });
});
