// Synthesised decoder models for the tests (the committed fixtures cover the real exporter).
import { type GptSpec } from '../../../bench/graph/gptGraph';
import { gptModel, mergedGptModel } from '../../../bench/graph/gptModel';
import { fillRandom } from '../../../bench/graph/onnxBuild';
import { ort, tmpDir, writeTmp } from './helpers';

export const SPEC: GptSpec = { layers: 2, hidden: 16, heads: 4, vocab: 13 };

export interface SynthSet {
  dir: string;
  decoder: string;
  withPast: string;
  merged: string;
  encoder: string;
  t5Decoder: string;
  t5WithPast: string;
}

/** The six layouts, written to one temp folder with Optimum's file names where there is one. */
export function synthModels(spec: GptSpec = SPEC): SynthSet {
  const dir = tmpDir();
  return {
    dir,
    decoder: writeTmp('decoder_model.onnx', gptModel(spec), dir),
    withPast: writeTmp('decoder_with_past_model.onnx', gptModel({ ...spec, past: true }), dir),
    merged: writeTmp('decoder_model_merged.onnx', mergedGptModel(spec), dir),
    encoder: writeTmp('encoder_model.onnx', gptModel({ ...spec, encoder: true }), dir),
    t5Decoder: writeTmp('t5_decoder_model.onnx', gptModel({ ...spec, cross: true }), dir),
    t5WithPast: writeTmp('t5_decoder_with_past_model.onnx', gptModel({ ...spec, cross: true, past: true }), dir),
  };
}

export interface FeedShape {
  batch: number;
  seq: number;
  past?: number;
  encSeq?: number;
  /** Left padding per batch row, in positions of attention_mask. */
  pad?: number[];
  encPad?: number[];
}

/** Feeds for a generated model (see bench/graph/gptGraph.ts for its inputs). */
export function synthFeeds(
  spec: GptSpec,
  kind: { past?: boolean; cross?: boolean; encoder?: boolean; merged?: boolean; useCache?: boolean },
  f: FeedShape,
): Record<string, ort.Tensor> {
  const past = kind.past || kind.merged ? (f.past ?? 0) : 0;
  const total = past + f.seq;
  const feeds: Record<string, ort.Tensor> = {};
  const ids = BigInt64Array.from({ length: f.batch * f.seq }, (_, i) => BigInt((i * 7 + 3) % spec.vocab));
  feeds.input_ids = new ort.Tensor('int64', ids, [f.batch, f.seq]);
  const mask = BigInt64Array.from({ length: f.batch * total }, (_, i) => (i % total < (f.pad?.[Math.floor(i / total)] ?? 0) ? 0n : 1n));
  feeds.attention_mask = new ort.Tensor('int64', mask, [f.batch, total]);
  const dh = spec.hidden / spec.heads;
  const rand = (n: number, seed: number) => fillRandom(new Float32Array(n), seed, 1);
  const enc = f.encSeq ?? 5;
  if (kind.cross) {
    const m = BigInt64Array.from({ length: f.batch * enc }, (_, i) => (i % enc >= enc - (f.encPad?.[Math.floor(i / enc)] ?? 0) ? 0n : 1n));
    feeds.encoder_attention_mask = new ort.Tensor('int64', m, [f.batch, enc]);
    if (!kind.past)
      feeds.encoder_hidden_states = new ort.Tensor('float32', rand(f.batch * enc * spec.hidden, 99), [f.batch, enc, spec.hidden]);
  }
  if (kind.past || kind.merged) {
    for (let i = 0; i < spec.layers; i++) {
      const tag = kind.cross ? '.decoder' : '';
      for (const kv of ['key', 'value']) {
        feeds[`past_key_values.${i}${tag}.${kv}`] = new ort.Tensor('float32', rand(f.batch * spec.heads * past * dh, 10 + i), [
          f.batch,
          spec.heads,
          past,
          dh,
        ]);
        if (kind.cross)
          feeds[`past_key_values.${i}.encoder.${kv}`] = new ort.Tensor('float32', rand(f.batch * spec.heads * enc * dh, 20 + i), [
            f.batch,
            spec.heads,
            enc,
            dh,
          ]);
      }
    }
  }
  if (kind.merged) feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.from([kind.useCache ? 1 : 0]), [1]);
  return feeds;
}
