import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { DecoderLensError } from '../../../src/core/errors';
import { readModelConfig } from '../../../src/core/model/config';
import { findModelLayout } from '../../../src/core/model/layout';
import { parseVariantFileName } from '../../../src/core/model/variants';
import { tmpDir } from '../onnx/helpers';
import { fixture } from '../paths';

const TJS = fixture('tiny-gpt-tjs');
const GENAI = fixture('tiny-gpt-genai');
const T5Q = fixture('tiny-t5-quantized');
const names = (files: { path: string }[]) => files.map((f) => basename(f.path));
const bytes = (dir: string, files: string[]) => files.reduce((n, f) => n + statSync(join(dir, f)).size, 0);

describe('model variants', () => {
  it('a transformers.js folder: every variant with dtype and size on disk (external data included); fp32 by default', () => {
    const layout = findModelLayout(TJS);
    assert.equal(layout.dir, TJS);
    assert.deepEqual(
      layout.variants.map((v) => [v.name, v.dtype, names(v.files)]),
      [
        ['fp32', 'fp32', ['model.onnx']],
        ['fp16', 'fp16', ['model_fp16.onnx']],
        ['q4', 'q4', ['model_q4.onnx']],
        ['q4f16', 'q4f16', ['model_q4f16.onnx']],
        ['int8', 'int8', ['model_int8.onnx']],
        ['bnb4', 'bnb4', ['model_bnb4.onnx']],
      ],
    );
    const onnx = join(TJS, 'onnx');
    assert.equal(layout.variants[0].bytes, bytes(onnx, ['model.onnx', 'model.onnx_data', 'model.onnx_data_1']));
    assert.equal(layout.variants[2].bytes, bytes(onnx, ['model_q4.onnx']));
    assert.deepEqual(layout.variant, { name: 'fp32', dtype: 'fp32' });
    assert.deepEqual(names(layout.files), ['model.onnx']);
  });

  it('file names: role and suffix as transformers.js and Optimum write them', () => {
    const cases: [string, ReturnType<typeof parseVariantFileName>][] = [
      ['model.onnx', { role: 'model', suffix: 'fp32' }],
      ['model_q4f16.onnx', { role: 'model', suffix: 'q4f16' }],
      ['decoder_model_merged.onnx', { role: 'decoder-merged', suffix: 'fp32' }],
      ['decoder_model_merged_quantized.onnx', { role: 'decoder-merged', suffix: 'quantized' }],
      ['decoder_model_fp16.onnx', { role: 'decoder', suffix: 'fp16' }],
      ['decoder_with_past_model_bnb4.onnx', { role: 'decoder-with-past', suffix: 'bnb4' }],
      ['encoder_model_uint8.onnx', { role: 'encoder', suffix: 'uint8' }],
      ['phi-3-mini-4k-instruct-cpu-int4-rtn-block-32.onnx', null],
      ['model.onnx_data', null],
    ];
    for (const [name, want] of cases) assert.deepEqual(parseVariantFileName(name), want, name);
  });

  it('picks by suffix or by file name; an unknown name lists what there is', () => {
    assert.deepEqual(names(findModelLayout(TJS, 'q4').files), ['model_q4.onnx']);
    assert.deepEqual(names(findModelLayout(TJS, 'model_int8.onnx').files), ['model_int8.onnx']);
    assert.deepEqual(names(findModelLayout(TJS, 'model_fp16').files), ['model_fp16.onnx']);
    assert.throws(
      () => findModelLayout(TJS, 'uint8'),
      (e: unknown) =>
        e instanceof DecoderLensError && /No variant "uint8"/.test(e.message) && /fp32 \(model\.onnx, .* MB\)/.test(e.message),
    );
  });

  it('the onnx/ subfolder or one file in it: the tokenizer folder is one level up', () => {
    const sub = findModelLayout(join(TJS, 'onnx'), 'q4');
    assert.equal(sub.dir, TJS);
    assert.deepEqual(names(sub.files), ['model_q4.onnx']);
    const one = findModelLayout(join(TJS, 'onnx', 'model_fp16.onnx'));
    assert.equal(one.dir, TJS);
    assert.deepEqual(one.variant.name, 'fp16');
  });

  it('no fp32 file: the dtype transformers.js_config names', () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'onnx'));
    for (const f of ['model_q4.onnx', 'model_int8.onnx']) copyFileSync(join(TJS, 'onnx', f), join(dir, 'onnx', f));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ 'transformers.js_config': { dtype: 'int8' } }));
    assert.deepEqual(names(findModelLayout(dir).files), ['model_int8.onnx']);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ 'transformers.js_config': { dtype: { model: 'q4' } } }));
    assert.deepEqual(names(findModelLayout(dir).files), ['model_q4.onnx']);
  });

  it('an encoder-decoder: each variant is its encoder and decoders; an encoder file pairs with its own variant', () => {
    const layout = findModelLayout(T5Q);
    assert.equal(layout.dir, T5Q);
    assert.equal(layout.architecture, 'encoder-decoder');
    assert.deepEqual(
      layout.variants.map((v) => [v.name, v.dtype, names(v.files)]),
      [
        ['fp32', 'fp32', ['encoder_model.onnx', 'decoder_model.onnx', 'decoder_with_past_model.onnx', 'decoder_model_merged.onnx']],
        [
          'quantized',
          'q8',
          [
            'encoder_model_quantized.onnx',
            'decoder_model_quantized.onnx',
            'decoder_with_past_model_quantized.onnx',
            'decoder_model_merged_quantized.onnx',
          ],
        ],
      ],
    );
    assert.deepEqual(names(findModelLayout(T5Q, 'q8').files), names(layout.variants[1].files));
    const fromEncoder = findModelLayout(join(T5Q, 'onnx', 'encoder_model_quantized.onnx'));
    assert.equal(fromEncoder.dir, T5Q);
    assert.deepEqual(names(fromEncoder.files), names(layout.variants[1].files));
  });

  it('an Optimum folder keeps its one fp32 variant of three files', () => {
    const layout = findModelLayout(fixture('tiny-gpt'));
    assert.deepEqual(
      layout.variants.map((v) => [v.name, names(v.files)]),
      [['fp32', ['decoder_model.onnx', 'decoder_with_past_model.onnx', 'decoder_model_merged.onnx']]],
    );
  });

  it('a GenAI folder: the file genai_config.json names, and its names, context length and special ids', () => {
    const layout = findModelLayout(GENAI);
    assert.deepEqual(
      layout.variants.map((v) => [v.name, v.source, names(v.files)]),
      [['model.onnx', 'genai_config.json', ['model.onnx']]],
    );
    assert.equal(layout.variants[0].bytes, bytes(GENAI, ['model.onnx', 'model.onnx.data']));
    const config = readModelConfig(GENAI);
    assert.equal(config.layers, 2);
    assert.equal(config.heads, 4);
    assert.equal(config.maxPositions, 64);
    assert.deepEqual([config.bosId, config.eosIds, config.padId], [335, [335], 335]);
    assert.deepEqual(config.genai, {
      file: 'model.onnx',
      inputs: {
        inputIds: 'input_ids',
        attentionMask: 'attention_mask',
        positionIds: 'position_ids',
        pastKey: 'past_key_values.%d.key',
        pastValue: 'past_key_values.%d.value',
      },
      outputs: { logits: 'logits', presentKey: 'present.%d.key', presentValue: 'present.%d.value' },
      contextLength: 64,
      pastPresentShareBuffer: false,
      maxLength: 64,
    });
  });

  it('a genai_config.json naming a missing file says so', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'genai_config.json'), JSON.stringify({ model: { decoder: { filename: 'gone.onnx' } } }));
    assert.throws(
      () => findModelLayout(dir),
      (e: unknown) => e instanceof DecoderLensError && /gone\.onnx/.test(e.message),
    );
    assert.deepEqual(readdirSync(dir), ['genai_config.json']);
  });
});

describe('decoding a chosen variant', () => {
  const sessions = new SessionCache();
  after(() => sessions.clear());
  const PROMPT = 'copy: the red fox saw a big moon =';
  const EXPECTED = ' the red fox saw a big moon';

  for (const variant of ['fp32', 'q4', 'int8']) {
    it(`tiny-gpt-tjs ${variant}: the copy, and the trace names the variant and its file`, async () => {
      const model = await openModel(join(TJS, 'onnx'), variant);
      const trace = await decode(model, sessions, { text: PROMPT, maxNewTokens: 10 });
      assert.equal(trace.generatedText, EXPECTED);
      assert.equal(trace.model.variant?.name, variant);
      assert.deepEqual(names(trace.model.files.map((path) => ({ path }))), names(model.layout.files));
    });
  }

  it('tiny-gpt-genai: decodes the copy with GroupQueryAttention', async () => {
    const model = await openModel(GENAI);
    const trace = await decode(model, sessions, { text: PROMPT, maxNewTokens: 10 });
    assert.equal(trace.generatedText, EXPECTED);
    assert.equal(trace.model.variant?.name, 'model.onnx');
  });

  it('tiny-t5-quantized quantized: reverses the words', async () => {
    const model = await openModel(T5Q, 'quantized');
    const trace = await decode(model, sessions, { text: 'the red fox saw a big moon', maxNewTokens: 10 });
    assert.equal(trace.generatedText, 'moon big a saw fox red the');
    assert.equal(trace.model.variant?.name, 'quantized');
  });

  // transformers.js v3 seq2seq: the merged decoder's with-past branch returns empty present.N.encoder.* (Optimum's
  // merge), so the encoder key/values of the first step must be kept, not replaced by those.
  it('tiny-t5-quantized fp32 (encoder + decoder_model_merged): reverses the words', async () => {
    const model = await openModel(T5Q, 'fp32');
    model.layout = { ...model.layout, files: model.layout.files.filter((f) => f.role === 'encoder' || f.role === 'decoder-merged') };
    const trace = await decode(model, sessions, { text: 'the red fox saw a big moon', maxNewTokens: 10 });
    assert.equal(trace.generatedText, 'moon big a saw fox red the');
  });
});
