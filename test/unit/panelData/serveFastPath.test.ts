/**
 * The data service's faster paths (one tight loop per pooled column, one mean row instead of the whole mean)
 * must answer exactly what the plain definitions give: each thumbnail cell the byte of the largest probability in
 * its block, each mean row the mean over heads summed as attentionHeadMean sums it. Checked on float32 and on
 * 8- and 16-bit codes, with sizes that do not divide evenly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attentionAt, attentionHeadMean, attentionQueryRow, attentionValues } from '../../../src/core/trace/attention';
import { probToByte } from '../../../src/panelData/colorScale';
import { binRange, pooledSize } from '../../../src/panelData/downsample';
import { expandMatrix } from '../../../src/panelData/expandMatrix';
import { toPanelData } from '../../../src/panelData/fromTrace';
import { dataHandlers, PanelDataService } from '../../../src/panelData/serve';
import { entropyBits } from '../../../src/panelData/stats';
import { syntheticPanelTrace } from './syntheticTrace';

const modes = [0, 8, 16, 'sqrt'] as const;
const bitsOf = (m: (typeof modes)[number]) => (m === 'sqrt' ? 8 : m);
const nameOf = (m: (typeof modes)[number]) => (m === 'sqrt' ? '8-bit √p codes' : m ? `${m}-bit codes` : 'float32');

for (const mode of modes) {
  const bits = bitsOf(mode);
  const trace = syntheticPanelTrace({ layers: 3, heads: 4, tokens: 37, bits, sqrt: mode === 'sqrt', seed: 7 + bits, generated: 5 });
  const label = nameOf(mode);

  test(`thumbnails: every cell is the byte of its block's largest probability (${label})`, () => {
    for (const size of [16, 10, 64]) {
      const got = new PanelDataService(toPanelData(trace, 't')).thumbnails({ traceId: 't', kind: 'self', size });
      const { rows, cols } = pooledSize(37, 37, size);
      assert.deepEqual([got.rows, got.cols], [rows, cols]);
      const want = new Uint8Array(3 * 4 * rows * cols);
      trace.attention.forEach((a, l) => {
        for (let h = 0; h < 4; h++)
          for (let r = 0; r < rows; r++)
            for (let c = 0; c < cols; c++) {
              const [r0, r1] = binRange(r, rows, 37);
              const [c0, c1] = binRange(c, cols, 37);
              let max = -Infinity;
              for (let y = r0; y < r1; y++) for (let x = c0; x < c1; x++) max = Math.max(max, attentionAt(a, h, y, x));
              want[((l * 4 + h) * rows + r) * cols + c] = probToByte(max);
            }
      });
      assert.deepEqual(got.data, want, `size ${size}`);
    }
  });

  test(`mean rows for the charts equal rows of the whole head mean (${label})`, () => {
    const service = new PanelDataService(toPanelData(trace, 't'));
    for (const query of [0, 17, 36]) {
      const across = service.acrossLayers({ traceId: 't', kind: 'self', query, head: 'mean' });
      const want = new Float32Array(3 * 37);
      trace.attention.forEach((a, l) => want.set(attentionHeadMean(a).subarray(query * 37, (query + 1) * 37), l * 37));
      assert.deepEqual(across.data, want, `query ${query}`);
      const entropy = service.entropy({ traceId: 't', kind: 'self', query });
      const heads = trace.attention.flatMap((a) => {
        const visible = trace.masks[a.layer].visible.subarray(query * 37, (query + 1) * 37);
        return [0, 1, 2, 3].map((h) => entropyBits(attentionQueryRow(a, h, query), visible));
      });
      assert.deepEqual(entropy.data, Float32Array.from(heads));
    }
    // After the whole mean is cached (the head view asked for it) the rows come from it, still equal.
    const mean = service.matrix({ traceId: 't', kind: 'self', layer: 1, head: 'mean' });
    assert.deepEqual(mean.data, attentionHeadMean(trace.attention[1]));
    const across = service.acrossLayers({ traceId: 't', kind: 'self', query: 20, head: 'mean' });
    assert.deepEqual(across.data.subarray(37, 74), attentionHeadMean(trace.attention[1]).subarray(20 * 37, 21 * 37));
  });
}

test('entropy without a captured mask counts the keys of the mean row that carry weight', () => {
  const trace = syntheticPanelTrace({ layers: 2, heads: 3, tokens: 21, bits: 16, seed: 3, generated: 2 });
  trace.masks = [];
  const service = new PanelDataService(toPanelData(trace, 't'));
  const got = service.entropy({ traceId: 't', kind: 'self', query: 9 });
  // Causal rows: query 9 sees keys 0…9, and the synthetic rows give each of them weight.
  const seen = attentionHeadMean(trace.attention[0])
    .subarray(9 * 21, 10 * 21)
    .reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
  assert.equal(seen, 10);
  assert.equal(got.maxBits, Math.log2(10));
});

for (const mode of modes) {
  const bits = bitsOf(mode);
  const label = nameOf(mode);
  test(`the sliced requests (as the host serves them) answer what the direct calls answer (${label})`, async () => {
    const trace = syntheticPanelTrace({ layers: 2, heads: 3, tokens: 300, bits, sqrt: mode === 'sqrt', seed: 11 + bits, generated: 4 });
    const direct = new PanelDataService(toPanelData(trace, 't'));
    const sliced = new PanelDataService(toPanelData(trace, 't'));
    const handlers = dataHandlers((id) => (id === 't' ? sliced : undefined));
    const context = { signal: new AbortController().signal, progress: () => undefined };
    // Two asks at once share one computation; each gets its own copy.
    const [a, b] = await Promise.all([
      handlers.thumbnails({ traceId: 't', kind: 'self', size: 64 }, context),
      handlers.thumbnails({ traceId: 't', kind: 'self', size: 64 }, context),
    ]);
    const want = direct.thumbnails({ traceId: 't', kind: 'self', size: 64 });
    assert.deepEqual(a, want);
    assert.deepEqual(b, want);
    assert.notEqual(a.data.buffer, b.data.buffer);
    for (const head of [0, 2, 'mean'] as const)
      for (const layer of [0, 1]) {
        const sent = await handlers.matrix({ traceId: 't', kind: 'self', layer, head }, context);
        // A compact capture's single head crosses as its own codes, a quarter (8-bit) or half (16-bit) of float32.
        if (bits && head !== 'mean') {
          assert.equal(sent.data.length, 0);
          assert.equal(sent.codes?.bytes.length, (bits / 8) * 90_000);
          assert.equal(sent.codes?.coding, mode === 'sqrt' ? 'sqrt' : undefined);
        } else assert.equal(sent.codes, undefined);
        const got = expandMatrix(sent);
        assert.deepEqual(got, direct.matrix({ traceId: 't', kind: 'self', layer, head }), `layer ${layer} head ${head}`);
        const want =
          head === 'mean'
            ? attentionHeadMean(trace.attention[layer])
            : attentionValues(trace.attention[layer]).subarray(head * 90_000, (head + 1) * 90_000);
        assert.deepEqual(got.data, want);
      }
  });
}
