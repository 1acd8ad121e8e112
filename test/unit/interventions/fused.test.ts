// Head hooks on fused attention ops (com.microsoft MultiHeadAttention and GroupQueryAttention: output
// [b, s, heads · d]; ONNX Attention with 4-D inputs: [b, heads, s, d]). The gate and mean act on the op's output
// seen per head: at identity the output is the untouched op's bit for bit; a zeroed head's slice is exactly 0,
// a mean-ablated head's slice is exactly the mean fed, every other slice is untouched.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { T, fillRandom, model, node, vi } from '../../../bench/graph/onnxBuild';
import { HookedSessions } from '../../../src/core/interventions';
import { writeTmp } from '../onnx/helpers';

const B = 1;
const S = 3;
const H = 2;
const D = 8;
const E = H * D;
const rand = (dims: number[], seed: number) =>
  new ort.Tensor('float32', fillRandom(new Float32Array(dims.reduce((a, b) => a * b, 1)), seed, 1), dims);

const cases = {
  'com.microsoft MultiHeadAttention': {
    bytes: () =>
      model(
        {
          name: 'g',
          node: [
            node(
              'MultiHeadAttention',
              ['q', 'k', 'v'],
              ['y'],
              '/model/layers.0/attn/MultiHeadAttention',
              { num_heads: H },
              'com.microsoft',
            ),
          ],
          input: [vi('q', T.FLOAT, [B, S, E]), vi('k', T.FLOAT, [B, S, E]), vi('v', T.FLOAT, [B, S, E])],
          output: [vi('y', T.FLOAT)],
        },
        { msOpset: true },
      ),
    feeds: () => ({ q: rand([B, S, E], 1), k: rand([B, S, E], 2), v: rand([B, S, E], 3) }),
    headsFirst: false,
  },
  'com.microsoft GroupQueryAttention': {
    bytes: () =>
      model(
        {
          name: 'g',
          node: [
            node(
              'GroupQueryAttention',
              ['q', 'k', 'v', '', '', 'seqlens_k', 'total'],
              ['y', 'pk', 'pv'],
              'gqa',
              { num_heads: H, kv_num_heads: H },
              'com.microsoft',
            ),
          ],
          input: [
            vi('q', T.FLOAT, [B, S, E]),
            vi('k', T.FLOAT, [B, S, E]),
            vi('v', T.FLOAT, [B, S, E]),
            vi('seqlens_k', T.INT32, [B]),
            vi('total', T.INT32, []),
          ],
          output: [vi('y', T.FLOAT)],
        },
        { msOpset: true },
      ),
    feeds: () => ({
      q: rand([B, S, E], 4),
      k: rand([B, S, E], 5),
      v: rand([B, S, E], 6),
      seqlens_k: new ort.Tensor('int32', Int32Array.from([S - 1]), [B]),
      total: new ort.Tensor('int32', Int32Array.from([S]), []),
    }),
    headsFirst: false,
  },
  'ONNX Attention (opset 23, 4-D inputs)': {
    bytes: () =>
      model(
        {
          name: 'g',
          node: [node('Attention', ['q', 'k', 'v'], ['y'], '/model/layers.0/self_attn/Attention', { is_causal: 1 })],
          input: [vi('q', T.FLOAT, [B, H, S, D]), vi('k', T.FLOAT, [B, H, S, D]), vi('v', T.FLOAT, [B, H, S, D])],
          output: [vi('y', T.FLOAT)],
        },
        { opset: 23, irVersion: 11 },
      ),
    feeds: () => ({ q: rand([B, H, S, D], 7), k: rand([B, H, S, D], 8), v: rand([B, H, S, D], 9) }),
    headsFirst: true,
  },
};

const pool: HookedSessions[] = [];
after(() => Promise.all(pool.map((s) => s.clear())));

describe('head hooks on fused attention ops', () => {
  for (const [name, c] of Object.entries(cases)) {
    for (const taps of [false, true]) {
      test(`${name}${taps ? ' (scores tapped too)' : ''}: identity, zero and mean act on exactly one head's slice`, async () => {
        const path = writeTmp(`${name.replace(/\W+/g, '-')}.onnx`, c.bytes());
        const plain = await ort.InferenceSession.create(path);
        const sessions = new HookedSessions({ fallbackHeads: null });
        pool.push(sessions);
        const hooked = await sessions.open(path, { taps });
        assert.equal(hooked.hooks.heads.length, 1);
        const hook = hooked.hooks.heads[0];
        assert.equal(hook.heads, H);
        assert.equal(hook.layout, c.headsFirst ? 'heads-first' : 'positions-first');
        const feeds = c.feeds();
        const want = (await plain.run(feeds)).y.data as Float32Array;
        const at = (s: number, h: number, d: number) => (c.headsFirst ? (h * S + s) * D + d : (s * H + h) * D + d);
        const identity = (await hooked.session.run(feeds)).y.data as Float32Array;
        if (!taps) assert.deepEqual(identity, want, 'identity: bit for bit');
        // Head 1 ablated to these values; head 0's mean is 0 (as ablationFeeds leaves every head it does not ablate).
        const mean = Float32Array.from({ length: H * D }, (_, i) => (i < D ? 0 : i / 7 - 1));
        sessions.feeds = {
          [hook.gate]: new ort.Tensor('float32', Float32Array.from([1, 0]), [1, H]),
          [hook.mean]: new ort.Tensor('float32', mean, [1, H, D]),
        };
        const ablated = (await hooked.session.run(feeds)).y.data as Float32Array;
        sessions.feeds = {};
        for (let s = 0; s < S; s++)
          for (let d = 0; d < D; d++) {
            assert.equal(ablated[at(s, 1, d)], mean[D + d], `head 1 position ${s}: the mean fed`);
            assert.equal(ablated[at(s, 0, d)], identity[at(s, 0, d)], `head 0 position ${s}: untouched`);
          }
        await plain.release();
      });
    }
  }
});
