// Every reader of attention reads a compact (8- or 16-bit) capture a head, a row or a value at a time, and gives
// what it gives for the float32 capture of the same decode, within the precision the capture states.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { attentionDivergence } from '../../../src/core/compare/divergence';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { checkTrace } from '../../../src/core/masks/checks';
import { compareRuns } from '../../../src/core/masks/compare';
import { maxOverHeads, readCells } from '../../../src/core/masks/expected';
import {
  attentionAt,
  attentionHead,
  attentionHeadMean,
  attentionQueryRow,
  attentionStore,
  attentionValues,
} from '../../../src/core/trace/attention';
import { decodeTrace, encodeTrace } from '../../../src/core/trace/file';
import { traceToJson } from '../../../src/core/trace/json';
import { mostAttended, summarizeTrace } from '../../../src/core/trace/summary';
import type { AttentionCapture, Trace } from '../../../src/core/trace/types';
import { attentionRow } from '../../../src/host/editor/hoverText';
import { embedPanelData, readPanelData } from '../../../src/panelData/embedded';
import { toPanelData } from '../../../src/panelData/fromTrace';
import { PanelDataService } from '../../../src/panelData/serve';
import { fixture } from '../paths';

const sessions = new SessionCache();
after(() => sessions.clear());

const PROMPT = 'copy: the red fox saw a big moon =';
const NEW_TOKENS = 12;
// tiny-gpt (2 layers × 4 heads) over 21 positions: float32 per head with masks needs 18,522 bytes; these caps
// leave room for 16-bit codes (11,466) and for 8-bit codes only (7,938).
const CAPS = { 16: 15_000, 8: 9_000 } as const;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('readers of compact attention', () => {
  let float: Trace;
  const compact: Record<8 | 16, Trace> = {} as Record<8 | 16, Trace>;
  before(async () => {
    const model = await openModel(fixture('tiny-gpt'));
    float = await decode(model, sessions, { text: PROMPT, maxNewTokens: NEW_TOKENS });
    for (const bits of [16, 8] as const)
      compact[bits] = await decode(model, sessions, { text: PROMPT, maxNewTokens: NEW_TOKENS, captureMaxBytes: CAPS[bits] });
  });

  for (const bits of [16, 8] as const) {
    // The stated bound, plus float32 rounding of the decoded value.
    const tolerance = (a: AttentionCapture) => a.quantized!.maxError * (1 + 1e-6) + 1e-7;

    test(`${bits}-bit: per head, per row and per value the accessors agree with float32 within the stated error`, () => {
      const trace = compact[bits];
      assert.deepEqual(
        trace.generated.map((g) => g.id),
        float.generated.map((g) => g.id),
      );
      assert.ok(trace.attention.length > 0);
      for (const [i, a] of trace.attention.entries()) {
        const f = float.attention[i];
        assert.equal(a.quantized?.bits, bits, `layer ${a.layer} is ${bits}-bit`);
        assert.equal(a.heads, f.heads);
        assert.equal(a.data.length, 0, 'no float32 copy is kept beside the codes');
        for (let h = 0; h < a.heads; h++) {
          assert.ok(maxDiff(attentionHead(a, h), attentionHead(f, h)) <= tolerance(a), `layer ${a.layer} head ${h}`);
          for (let q = 0; q < a.queries; q += 5) assert.ok(maxDiff(attentionQueryRow(a, h, q), attentionQueryRow(f, h, q)) <= tolerance(a));
          assert.ok(Math.abs(attentionAt(a, h, a.queries - 1, 0) - attentionAt(f, h, f.queries - 1, 0)) <= tolerance(a));
        }
        assert.ok(maxDiff(attentionHeadMean(a), attentionHeadMean(f)) <= tolerance(a));
        assert.ok(maxDiff(attentionValues(a), f.data) <= tolerance(a));
      }
      assert.throws(() => attentionHead(trace.attention[0], 4), /no head 4/);
      assert.throws(() => attentionQueryRow(trace.attention[0], 0, trace.attention[0].queries), /outside/);
    });

    test(`${bits}-bit: codes at an odd byte offset (as a packed file may hold them) read the same`, () => {
      const a = decodeTrace(encodeTrace(compact[bits])).attention[0];
      const shifted = new Uint8Array(a.quantized!.codes.length + 1).subarray(1);
      shifted.set(a.quantized!.codes);
      const moved: AttentionCapture = { ...a, quantized: { ...a.quantized!, codes: shifted } };
      assert.deepEqual(attentionHead(moved, 3), attentionHead(a, 3));
      assert.equal(attentionStore(moved).values.length, a.heads * a.queries * a.keys);
    });

    test(`${bits}-bit: the panel's data service serves heads, means, thumbnails, rows across layers and entropies`, () => {
      const q = new PanelDataService(toPanelData(compact[bits], 'q'));
      const f = new PanelDataService(toPanelData(float, 'f'));
      const a = compact[bits].attention[0];
      for (const head of [0, 3, 'mean'] as const) {
        const mq = q.matrix({ traceId: 'q', layer: 1, kind: 'self', head });
        const mf = f.matrix({ traceId: 'f', layer: 1, kind: 'self', head });
        assert.equal(mq.data.length, mq.queries * mq.keys);
        assert.ok(maxDiff(mq.data, mf.data) <= tolerance(a), `matrix head ${head}`);
      }
      for (const size of [8, 64]) {
        const tq = q.thumbnails({ traceId: 'q', kind: 'self', size });
        const tf = f.thumbnails({ traceId: 'f', kind: 'self', size });
        assert.deepEqual([tq.rows, tq.cols, tq.heads], [tf.rows, tf.cols, tf.heads]);
        // Colour bytes hold √p: |√a − √b| ≤ √|a − b|, so within 255 √error (+1 for the rounding) of float32's.
        const bytes = Math.ceil(255 * Math.sqrt(a.quantized!.maxError)) + 1;
        assert.ok(maxDiff(tq.data, tf.data) <= bytes, `thumbnails at ${size}: ${maxDiff(tq.data, tf.data)} > ${bytes}`);
        // Pooling the codes is pooling the values they stand for (the max of codes is the code of the max).
        const decoded = compact[bits].attention.map((c) => ({ ...c, data: attentionValues(c), quantized: undefined }));
        const td = new PanelDataService(toPanelData({ ...compact[bits], attention: decoded }, 'd')).thumbnails({
          traceId: 'd',
          kind: 'self',
          size,
        });
        assert.ok(maxDiff(tq.data, td.data) <= 1, `thumbnails from codes vs decoded at ${size}`);
        assert.deepEqual(tq.masked, tf.masked);
      }
      const rq = q.acrossLayers({ traceId: 'q', kind: 'self', query: 12, head: 2 });
      const rf = f.acrossLayers({ traceId: 'f', kind: 'self', query: 12, head: 2 });
      assert.ok(maxDiff(rq.data, rf.data) <= tolerance(a));
      const eq = q.entropy({ traceId: 'q', kind: 'self', query: 12 });
      const ef = f.entropy({ traceId: 'f', kind: 'self', query: 12 });
      // p log p moves by at most ~ error × (log2(1/error) + 2) bits per key; 21 keys.
      const bound = 21 * a.quantized!.maxError * (Math.log2(1 / a.quantized!.maxError) + 2);
      assert.ok(maxDiff(eq.data, ef.data) <= bound, `entropy ${maxDiff(eq.data, ef.data)} > ${bound}`);
    });

    test(`${bits}-bit: the HTML report's embedded data keeps the codes (smaller than float32) and serves the same heads`, () => {
      const embedded = embedPanelData(toPanelData(compact[bits], 'r'));
      const data = readPanelData(embedded);
      // The meta the webview gets whole carries no codes.
      assert.ok(data.meta.captures.every((c) => !('quantized' in c) && !('data' in c)));
      assert.ok(data.attention.every((a) => a.quantized?.bits === bits));
      assert.ok(embedded.length < embedPanelData(toPanelData(float, 'f')).length);
      const fromReport = new PanelDataService(data).matrix({ traceId: 'r', layer: 0, kind: 'self', head: 1 });
      const live = new PanelDataService(toPanelData(compact[bits], 'q')).matrix({ traceId: 'q', layer: 0, kind: 'self', head: 1 });
      assert.deepEqual(fromReport.data, live.data);
    });

    test(`${bits}-bit: the hover, the JSON, the summary and the run comparison read the codes`, () => {
      const trace = compact[bits];
      const a = trace.attention[1];
      const f = float.attention[1];
      for (const aggregate of ['mean', 'max', 'head'] as const) {
        const settings = { layer: -1, head: 2, aggregate };
        assert.ok(maxDiff(attentionRow(a, 9, settings), attentionRow(f, 9, settings)) <= tolerance(a), aggregate);
      }
      const jq = traceToJson(trace).attention;
      const jf = traceToJson(float).attention;
      assert.equal(jq.length, jf.length);
      for (const [i, layer] of jq.entries())
        assert.ok(maxDiff(layer.data.flat(2), jf[i].data.flat(2)) <= tolerance(a), `JSON layer ${layer.layer}`);
      const mq = mostAttended(a, 9);
      const mf = mostAttended(f, 9);
      assert.ok(Math.abs(mq.weight - mf.weight) <= tolerance(a));
      assert.match(summarizeTrace(trace), new RegExp(`kept as ${bits}-bit probabilities`));
      // The same decode stored two ways: the divergence is the rounding only. JSD in bits ≤ the total variation
      // distance ½ Σ|p − q| ≤ ½ × keys × error.
      const jsdBound = 0.5 * a.keys * a.quantized!.maxError;
      const divergence = attentionDivergence(trace.attention, float.attention, () => ({ queries: 1e9, keys: 1e9 }));
      assert.equal(divergence.layers.length, trace.attention.length);
      for (const layer of divergence.layers) for (const d of layer.heads) assert.ok(d <= jsdBound, `JSD ${d} > ${jsdBound}`);
      // The mask checks: the weight over heads, the cells read, the findings.
      assert.ok(maxDiff(maxOverHeads(a), maxOverHeads(f)) <= tolerance(a));
      assert.equal(readCells(a).length, a.queries * a.keys);
      assert.deepEqual(
        checkTrace(trace).map((x) => x.check),
        checkTrace(float).map((x) => x.check),
      );
      const runs = compareRuns(trace, float);
      assert.equal(runs.firstChanged, null);
      for (const kind of runs.divergence) for (const d of kind.max) assert.ok(d <= jsdBound, `compareRuns JSD ${d} > ${jsdBound}`);
    });
  }

  test('a compact capture against a head-averaged one compares head means', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const averaged = await decode(model, sessions, {
      text: PROMPT,
      maxNewTokens: NEW_TOKENS,
      captureMaxBytes: CAPS[16],
      compactAttention: false,
    });
    assert.ok(averaged.attention.every((a) => a.headAveraged));
    const runs = compareRuns(compact[8], averaged);
    const a = compact[8].attention[0];
    // The head mean of 8-bit values is within the 8-bit error too (see above for the JSD bound).
    const jsdBound = 0.5 * a.keys * a.quantized!.maxError;
    for (const kind of runs.divergence) {
      assert.equal(kind.heads, 1);
      for (const d of kind.max) assert.ok(d <= jsdBound, `JSD ${d} > ${jsdBound}`);
    }
  });
});
