// com.microsoft Attention's mask_index forms and attributes, on small random graphs: the recomputed probabilities
// against a reference written here from the op's definition (x·W + b split into Q, K, V; softmax(Q·Kᵀ/√d + mask)),
// and against the kernel itself (probabilities × V must give the op's own output).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AttrValue, T, fillRandom, floatTensor, model, node, vi } from '../../../bench/graph/onnxBuild';
import { buildTappedModel, findTaps, readModel } from '../../../src/core/onnx';
import { ort, writeTmp } from './helpers';

const B = 2;
const S = 4;
const H = 2;
const D = 4;
const E = H * D;
const W = fillRandom(new Float32Array(E * 3 * E), 7, 0.4);
const BIAS = fillRandom(new Float32Array(3 * E), 8, 0.2);
const X = fillRandom(new Float32Array(B * S * E), 9, 1);

/** Q·W + b for one of the three packed parts (0 = Q, 1 = K, 2 = V): [B, S, E]. */
function project(part: number): Float32Array {
  const out = new Float32Array(B * S * E);
  for (let r = 0; r < B * S; r++)
    for (let c = 0; c < E; c++) {
      let s = BIAS[part * E + c];
      for (let i = 0; i < E; i++) s += X[r * E + i] * W[i * 3 * E + part * E + c];
      out[r * E + c] = s;
    }
  return out;
}

/** softmax(Q·Kᵀ/√D + add(b, i, j)) as [B, H, S, S] (add: −Infinity for causal, the op's mask_filter_value −10000 for mask_index). */
function reference(add: (b: number, i: number, j: number) => number, scale = 1 / Math.sqrt(D)): Float32Array {
  const [q, k] = [project(0), project(1)];
  const out = new Float32Array(B * H * S * S);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < S; i++) {
        const row = Array.from({ length: S }, (_, j) => {
          let dot = 0;
          for (let x = 0; x < D; x++) dot += q[(b * S + i) * E + h * D + x] * k[(b * S + j) * E + h * D + x];
          // float32 like the kernel: a score plus −10000 keeps only float32's resolution there.
          return Math.fround(Math.fround(dot * scale) + add(b, i, j));
        });
        const max = Math.max(...row);
        const e = row.map((v) => Math.exp(v - max));
        const sum = e.reduce((a, c) => a + c, 0);
        e.forEach((v, j) => (out[((b * H + h) * S + i) * S + j] = v / sum));
      }
  return out;
}

/** probs × V in the op's output layout [B, S, E]. */
function applyToValues(probs: Float32Array): Float32Array {
  const v = project(2);
  const out = new Float32Array(B * S * E);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < S; i++)
        for (let x = 0; x < D; x++) {
          let s = 0;
          for (let j = 0; j < S; j++) s += probs[((b * H + h) * S + i) * S + j] * v[(b * S + j) * E + h * D + x];
          out[(b * S + i) * E + h * D + x] = s;
        }
  return out;
}

function attentionModel(attrs: Record<string, AttrValue>, mask?: { dims?: (number | string)[] }): string {
  const bytes = model(
    {
      name: 'g',
      node: [
        node(
          'Attention',
          ['x', 'w', 'b', ...(mask ? ['mask_index'] : [])],
          ['y'],
          'Attention_0',
          { num_heads: H, ...attrs },
          'com.microsoft',
        ),
      ],
      input: [vi('x', T.FLOAT, [B, S, E]), ...(mask ? [vi('mask_index', T.INT32, mask.dims)] : [])],
      output: [vi('y', T.FLOAT)],
      initializer: [floatTensor('w', W, [E, 3 * E]), floatTensor('b', BIAS, [3 * E])],
    },
    { msOpset: true },
  );
  return writeTmp('attention.onnx', bytes);
}

async function check(
  path: string,
  maskIndex: ort.Tensor | null,
  add: (b: number, i: number, j: number) => number,
  what: string,
  scale?: number,
) {
  const tapped = await buildTappedModel(path);
  assert.deepEqual(tapped.unavailable, [], what);
  const session = await ort.InferenceSession.create(tapped.bytes);
  try {
    const out = await session.run({ x: new ort.Tensor('float32', X, [B, S, E]), ...(maskIndex ? { mask_index: maskIndex } : {}) });
    const probs = out[tapped.outputs.find((o) => o.tap === 'attention')!.output].data as Float32Array;
    const want = reference(add, scale);
    probs.forEach((p, i) => assert.ok(Math.abs(p - want[i]) < 1e-5, `${what}: prob ${i}: ${p} vs ${want[i]}`));
    const y = applyToValues(probs);
    (out.y.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-4, `${what}: kernel output ${i}: ${v} vs ${y[i]}`));
    return { tapped, out };
  } finally {
    await session.release();
  }
}

const int32 = (values: number[], dims: number[]) => new ort.Tensor('int32', Int32Array.from(values), dims);
const HIDE = -Infinity;
const FILTER = -10000; // mask_filter_value's default

describe('com.microsoft Attention: every mask form recomputed', () => {
  it('no mask_index, unidirectional=1: causal only; the mask tap is the causal mask', async () => {
    const { tapped, out } = await check(attentionModel({ unidirectional: 1 }), null, (_b, i, j) => (j > i ? HIDE : 0), 'no mask');
    const mask = tapped.outputs.find((o) => o.tap === 'mask');
    assert.ok(mask, 'a mask tap');
    assert.deepEqual(out[mask.output].dims, [1, 1, S, S]);
  });

  it('no mask_index, no unidirectional: nothing hidden and no mask tap', async () => {
    const { tapped } = await check(attentionModel({}), null, () => 0, 'bidirectional');
    assert.deepEqual(
      tapped.outputs.map((o) => o.tap),
      ['attention'],
    );
  });

  it('2-D raw mask [batch, total] with a scale attribute', async () => {
    const raw = [1, 1, 0, 1, 0, 1, 1, 1];
    const path = attentionModel({ unidirectional: 1, scale: { float: 0.3 } }, { dims: [B, S] });
    // Batch 1's first query hides every key: the padded one
    // (mask_filter_value) then wins over the causal ones (float's lowest), as in the kernel.
    await check(path, int32(raw, [B, S]), (b, i, j) => (j > i ? HIDE : raw[b * S + j] === 0 ? FILTER : 0), '2-D', 0.3);
  });

  it('3-D mask [batch, seq, total]', async () => {
    const raw = Array.from({ length: B * S * S }, (_, n) => (n % 5 === 3 ? 0 : 1));
    await check(
      attentionModel({}, { dims: [B, S, S] }),
      int32(raw, [B, S, S]),
      (b, i, j) => (raw[(b * S + i) * S + j] === 0 ? FILTER : 0),
      '3-D',
    );
  });

  it('1-D end positions [batch], and end and start positions [2·batch]', async () => {
    const ends = [3, 2];
    await check(attentionModel({}, { dims: ['batch_size'] }), int32(ends, [B]), (b, _i, j) => (j >= ends[b] ? FILTER : 0), '1-D end');
    const both = [4, 3, 1, 2];
    await check(
      attentionModel({ unidirectional: 1 }, { dims: ['2*batch_size'] }),
      int32(both, [2 * B]),
      // A query row whose every key is hidden gets mask_filter_value everywhere: still a uniform softmax there.
      (b, i, j) => (j > i ? HIDE : j >= both[b] || j < both[B + b] ? FILTER : 0),
      '1-D end+start',
    );
  });

  it('a 4-D (Megatron) mask_index, a shared past/present buffer, rotary, or a mask of unknown rank: unavailable, saying why', async () => {
    const r4 = findTaps(await readModel(attentionModel({ unidirectional: 1 }, { dims: [B, 1, S, S] })));
    assert.deepEqual(r4.attention, []);
    assert.match(r4.unavailable[0].reason, /cannot be recomputed: .*4-D \(Megatron\)/);
    const shared = findTaps(await readModel(attentionModel({ unidirectional: 1, past_present_share_buffer: 1 })));
    assert.match(shared.unavailable[0].reason, /past_present_share_buffer=1/);
    const rotary = findTaps(await readModel(attentionModel({ unidirectional: 1, do_rotary: 1 })));
    assert.match(rotary.unavailable[0].reason, /rotary .*do_rotary=1/);
    const unknown = findTaps(await readModel(attentionModel({ unidirectional: 1 }, {})));
    assert.match(unknown.unavailable[0].reason, /the rank of its mask_index mask_index is not recorded/);
  });
});

describe('com.microsoft DecoderMaskedMultiHeadAttention (runs on the CPU provider)', () => {
  it('its output_qk is switched on and normalised: probabilities × V give the op’s own output; the masked key gets 0', async () => {
    const [Hd, Dd, M, P] = [2, 8, 8, 3];
    const Ed = Hd * Dd;
    const bytes = model(
      {
        name: 'g',
        node: [
          node(
            'DecoderMaskedMultiHeadAttention',
            ['q', 'k', 'v', 'mask_index', '', 'past_key', 'past_value', 'past_sequence_length'],
            ['y', 'present_key', 'present_value'],
            'DecoderMaskedMultiHeadAttention_0',
            { num_heads: Hd, past_present_share_buffer: 1 },
            'com.microsoft',
          ),
        ],
        input: [
          vi('q', T.FLOAT, [1, 1, Ed]),
          vi('k', T.FLOAT, [1, 1, Ed]),
          vi('v', T.FLOAT, [1, 1, Ed]),
          vi('mask_index', T.INT32, [1, 'total']),
          vi('past_key', T.FLOAT, [1, Hd, M, Dd]),
          vi('past_value', T.FLOAT, [1, Hd, M, Dd]),
          vi('past_sequence_length', T.INT32, [1]),
        ],
        output: [vi('y', T.FLOAT), vi('present_key', T.FLOAT), vi('present_value', T.FLOAT)],
      },
      { msOpset: true },
    );
    const path = writeTmp('dmmha.onnx', bytes);
    const report = findTaps(await readModel(path));
    assert.deepEqual(report.unavailable, []);
    assert.deepEqual(
      report.attention.map((a) => [a.id, a.heads, a.opType, a.implied?.label]),
      [
        [
          'attn.self.0',
          Hd,
          'DecoderMaskedMultiHeadAttention',
          'implied by com.microsoft DecoderMaskedMultiHeadAttention (causal, 2-D mask_index mask_index)',
        ],
      ],
    );
    const rand = (dims: number[], seed: number) =>
      new ort.Tensor('float32', fillRandom(new Float32Array(dims.reduce((a, b) => a * b)), seed, 1), dims);
    const feeds = {
      q: rand([1, 1, Ed], 1),
      k: rand([1, 1, Ed], 2),
      v: rand([1, 1, Ed], 3),
      mask_index: new ort.Tensor('int32', Int32Array.from([1, 0, 1, 1]), [1, P + 1]),
      past_key: rand([1, Hd, M, Dd], 4),
      past_value: rand([1, Hd, M, Dd], 5),
      past_sequence_length: new ort.Tensor('int32', Int32Array.from([P]), [1]),
    };
    const tapped = await buildTappedModel(path);
    const session = await ort.InferenceSession.create(tapped.bytes);
    try {
      const out = await session.run(feeds);
      const probs = out[tapped.outputs.find((o) => o.tap === 'attention')!.output];
      assert.deepEqual(probs.dims, [1, Hd, 1, P + 1]);
      const p = probs.data as Float32Array;
      const pv = feeds.past_value.data as Float32Array;
      const v = feeds.v.data as Float32Array;
      for (let h = 0; h < Hd; h++) {
        assert.equal(p[h * (P + 1) + 1], 0, 'the masked key');
        for (let x = 0; x < Dd; x++) {
          let y = p[h * (P + 1) + P] * v[h * Dd + x];
          for (let j = 0; j < P; j++) y += p[h * (P + 1) + j] * pv[(h * M + j) * Dd + x];
          const got = (out.y.data as Float32Array)[h * Dd + x];
          assert.ok(Math.abs(got - y) < 1e-5, `head ${h} output ${x}: ${got} vs ${y}`);
        }
      }
    } finally {
      await session.release();
    }
  });
});
