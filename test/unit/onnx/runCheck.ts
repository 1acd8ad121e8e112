// Runs a model with and without taps on the same feeds and checks every tap against the invariants.
import assert from 'node:assert/strict';
import { type TapOutput, buildTappedModel, maskVisibility } from '../../../src/core/onnx';
import { assertClose, assertProbabilities, assertSameTensor, ort } from './helpers';

type Feeds = Record<string, ort.Tensor>;

export interface Expect {
  queries: number;
  selfKeys: number;
  crossKeys?: number;
  /** Decoder self attention is causal; the first query sits at this absolute position. */
  causalPast?: number;
  selfHidden: number[][];
  crossHidden?: number[][];
  hidden: number;
}

/** Runs the untapped and the tapped model on the same feeds and checks every tap against the invariants. */
export async function runAndCheck(
  path: string,
  feeds: Feeds,
  e: Expect,
  label: string,
): Promise<{ outputs: TapOutput[]; result: ort.InferenceSession.OnnxValueMapType }> {
  const tapped = await buildTappedModel(path);
  const plain = await ort.InferenceSession.create(path);
  const session = await ort.InferenceSession.create(tapped.bytes);
  try {
    const want = await plain.run(feeds);
    const got = await session.run(feeds);
    // Logits must not move at all; other outputs may differ in the last bit where a tap blocked a fusion.
    for (const name of plain.outputNames) {
      if (name === 'logits') assertSameTensor(got[name], want[name], `${label}: logits with and without taps`);
      else assertClose(got[name], want[name], `${label}: ${name} with and without taps`);
    }
    const byId = new Map(tapped.outputs.map((o) => [o.id, o]));
    for (const o of tapped.outputs) {
      const t = got[o.output];
      assert.ok(t, `${label}: output ${o.output} (${o.id}) returned`);
      const cross = o.kind === 'cross';
      if (o.tap === 'attention') {
        assertProbabilities(
          t,
          {
            heads: 4,
            queries: e.queries,
            keys: cross ? e.crossKeys! : e.selfKeys,
            causalPast: cross ? undefined : e.causalPast,
            hiddenKeys: cross ? e.crossHidden : e.selfHidden,
          },
          `${label} ${o.id}`,
        );
      } else if (o.tap === 'mask') {
        // The mask the model applied hides exactly what the probabilities give no weight.
        const probs = got[byId.get(`attn.${o.kind}.${o.layer}`)!.output];
        assertMaskMatches(t, probs, `${label} ${o.id}`);
      } else {
        assert.deepEqual(t.dims, [feeds.input_ids.dims[0], e.queries, e.hidden], `${label} ${o.id} dims`);
      }
    }
    return { outputs: tapped.outputs, result: got };
  } finally {
    await plain.release();
    await session.release();
  }
}

/** Broadcasts the [b|1, 1, q|1, k] additive mask over the [b, h, q, k] probabilities. */
export function assertMaskMatches(mask: ort.Tensor, probs: ort.Tensor, label: string): number {
  const [b, h, q, k] = probs.dims;
  const [mb, , mq, mk] = mask.dims.length === 4 ? mask.dims : [1, 1, ...mask.dims.slice(-2)];
  assert.equal(mk, k, `${label}: mask keys`);
  const visible = maskVisibility(mask.data as Float32Array);
  const p = probs.data as Float32Array;
  let hidden = 0;
  for (let bi = 0; bi < b; bi++) {
    for (let qi = 0; qi < q; qi++) {
      const row = Array.from({ length: k }, (_, ki) => visible[((mb === 1 ? 0 : bi) * mq + (mq === 1 ? 0 : qi)) * mk + ki]);
      if (row.every((v) => v === 0)) continue; // a padded query sees nothing
      for (let hi = 0; hi < h; hi++) {
        for (let ki = 0; ki < k; ki++) {
          if (row[ki] === 0) {
            hidden++;
            assert.ok(p[((bi * h + hi) * q + qi) * k + ki] < 1e-6, `${label}: hidden key ${ki} has weight`);
          }
        }
      }
    }
  }
  return hidden;
}
