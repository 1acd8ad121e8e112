import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildTappedModel, maskVisibility } from '../../../src/core/onnx';
import { checkCases, feedsOf, fixtureFile, type ort } from './helpers';
import { runAndCheck } from './runCheck';
import { SPEC, type FeedShape, synthFeeds, synthModels } from './synth';

const padded = (rows: number[], width: number) => rows.map((n) => Array.from({ length: n }, (_, i) => i).filter((i) => i < width));
const tail = (rows: number[], width: number) => rows.map((n) => Array.from({ length: n }, (_, i) => width - 1 - i));

describe('surgery on generated layouts (tapped vs untapped, same feeds)', () => {
  const m = synthModels();
  const shape: FeedShape = { batch: 2, seq: 4, pad: [0, 2], encSeq: 5, encPad: [0, 2] };

  it('decoder: probabilities, masks and hidden states, logits unchanged', async () => {
    const { outputs, result } = await runAndCheck(
      m.decoder,
      synthFeeds(SPEC, {}, shape),
      { queries: 4, selfKeys: 4, causalPast: 0, selfHidden: padded([0, 2], 4), hidden: 16 },
      'decoder',
    );
    const mask = result[outputs[1].output];
    assert.deepEqual(mask.dims, [2, 1, 4, 4]);
    // Row 1 of batch 1: causal hides keys 2, 3; padding hides keys 0, 1.
    assert.deepEqual([...maskVisibility((mask.data as Float32Array).subarray(16 + 4, 16 + 8))], [0, 0, 0, 0]);
    assert.deepEqual([...maskVisibility((mask.data as Float32Array).subarray(16 + 12, 16 + 16))], [0, 0, 1, 1]);
    assert.deepEqual(
      outputs.map((o) => o.id),
      ['attn.self.0', 'mask.self.0', 'attn.self.1', 'mask.self.1', 'hidden.0', 'hidden.1'],
    );
    assert.equal(outputs[0].output, '/model/layers.0/self_attn/Softmax_output_0', 'a top-level tensor is exposed under its own name');
  });

  it('top-level taps are appended bytes: the original file is an untouched prefix', async () => {
    const file = readFileSync(m.decoder);
    const tapped = await buildTappedModel(m.decoder);
    assert.ok(tapped.bytes.length > file.length && tapped.bytes.length - file.length < 4096);
    assert.deepEqual(tapped.bytes.subarray(0, file.length), new Uint8Array(file));
  });

  it('decoder with past: causal against the cache', async () => {
    const feeds = synthFeeds(SPEC, { past: true }, { ...shape, seq: 2, past: 3, pad: [0, 1] });
    await runAndCheck(
      m.withPast,
      feeds,
      { queries: 2, selfKeys: 5, causalPast: 3, selfHidden: padded([0, 1], 5), hidden: 16 },
      'with-past',
    );
  });

  for (const useCache of [false, true]) {
    it(`merged decoder, use_cache_branch=${useCache}: taps lifted out of the If`, async () => {
      const past = useCache ? 3 : 0;
      const seq = useCache ? 2 : 4;
      const feeds = synthFeeds(SPEC, { merged: true, useCache }, { ...shape, seq, past, pad: [0, 1] });
      const { outputs } = await runAndCheck(
        m.merged,
        feeds,
        { queries: seq, selfKeys: past + seq, causalPast: past, selfHidden: padded([0, 1], past + seq), hidden: 16 },
        `merged/${useCache}`,
      );
      assert.ok(outputs.every((o) => o.output.startsWith('decoder_lens/')));
      assert.equal(outputs[0].tensor, '/model/layers.0/self_attn/Softmax_output_0', 'the tensor keeps its branch name');
    });
  }

  it('encoder: bidirectional probabilities', async () => {
    const feeds = synthFeeds(SPEC, { encoder: true }, shape);
    await runAndCheck(m.encoder, feeds, { queries: 4, selfKeys: 4, selfHidden: padded([0, 2], 4), hidden: 16 }, 'encoder');
  });

  it('encoder-decoder decoder: cross attention hides padded encoder positions', async () => {
    await runAndCheck(
      m.t5Decoder,
      synthFeeds(SPEC, { cross: true }, shape),
      {
        queries: 4,
        selfKeys: 4,
        causalPast: 0,
        selfHidden: padded([0, 2], 4),
        crossKeys: 5,
        crossHidden: tail([0, 2], 5),
        hidden: 16,
      },
      't5',
    );
    const feeds = synthFeeds(SPEC, { cross: true, past: true }, { ...shape, seq: 1, past: 3, pad: [0, 0] });
    await runAndCheck(
      m.t5WithPast,
      feeds,
      { queries: 1, selfKeys: 4, causalPast: 3, selfHidden: [[], []], crossKeys: 5, crossHidden: tail([0, 2], 5), hidden: 16 },
      't5-past',
    );
  });

  it('exposes only the selected taps', async () => {
    const tapped = await buildTappedModel(m.merged, { attention: ['attn.self.1'], masks: 'none', hidden: ['hidden.0'] });
    assert.deepEqual(
      tapped.outputs.map((o) => o.id),
      ['attn.self.1', 'hidden.0'],
    );
    const none = await buildTappedModel(m.decoder, { attention: 'none', masks: 'none', hidden: 'none' });
    assert.deepEqual(none.outputs, []);
    assert.deepEqual(none.bytes, new Uint8Array(readFileSync(m.decoder)));
  });
});

describe('surgery on the committed fixtures (check.json feeds)', () => {
  for (const dir of ['tiny-gpt', 'tiny-t5']) {
    it(`${dir}: every file and branch returns its taps with logits unchanged`, async () => {
      const cases = checkCases(dir);
      assert.ok(cases.length >= 3);
      for (const c of cases) {
        const feeds = feedsOf(c);
        const ids = feeds.input_ids.dims;
        const queries = ids[1];
        const encoder = c.file === 'encoder_model.onnx';
        const selfMask = feeds.attention_mask;
        const past = Object.keys(feeds).find((k) => /^past_key_values\.\d+(\.decoder)?\.key$/.test(k));
        const pastLen = past ? feeds[past].dims[2] : 0;
        const selfKeys = pastLen + queries;
        const encMask = feeds.encoder_attention_mask;
        const hiddenOf = (mask: ort.Tensor | undefined, width: number) =>
          Array.from({ length: ids[0] }, (_, b) =>
            mask ? Array.from({ length: width }, (_, k) => k).filter((k) => (mask.data as BigInt64Array)[b * width + k] === 0n) : [],
          );
        const label = `${dir}/${c.file}${feeds.use_cache_branch ? `[use_cache=${(feeds.use_cache_branch.data as Uint8Array)[0]}]` : ''}`;
        const { result } = await runAndCheck(
          fixtureFile(dir, c.file),
          feeds,
          {
            queries,
            selfKeys,
            causalPast: encoder ? undefined : pastLen,
            selfHidden: hiddenOf(selfMask, selfKeys),
            crossKeys: encMask?.dims[1],
            crossHidden: hiddenOf(encMask, encMask?.dims[1] ?? 0),
            hidden: hiddenSize(dir),
          },
          label,
        );
        // The tapped run reproduces the exporter's reference outputs.
        assert.ok(c.outputs.logits ?? c.outputs.last_hidden_state, `${label}: check.json has expected outputs`);
        const [name, expected] = c.outputs.logits ? ['logits', c.outputs.logits] : ['last_hidden_state', c.outputs.last_hidden_state];
        const got = result[name].data as Float32Array;
        expected.data.forEach((v, i) =>
          assert.ok(Math.abs(got[i] - (v as number)) <= c.tolerance, `${label}: ${name}[${i}] ${got[i]} vs ${v}`),
        );
      }
    });
  }
});

/** The hidden size, from the fixture's config.json. */
function hiddenSize(dir: string): number {
  return (JSON.parse(readFileSync(fixtureFile(dir, 'config.json'), 'utf8')) as { hidden_size: number }).hidden_size;
}
