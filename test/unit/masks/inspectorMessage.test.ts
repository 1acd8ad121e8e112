// The Masks view is sent what it shows: a snapshot carries every grid at most OVERVIEW_CELLS a side (pooled so a
// hidden or differing cell is never lost), and the view asks for the one grid it draws at its canvas's size, or a
// block at full resolution. Measured on a 4,096-position trace as the bytes a structured clone of the message takes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serialize } from 'node:v8';
import type { Trace } from '../../../src/core/trace/types';
import { InspectorSession, type InspectorRunner } from '../../../src/host/inspector/session';
import { OVERVIEW_CELLS, type InspectorSnapshot } from '../../../src/protocol/inspector';
import { channelCompute, syntheticTrace } from './helpers';

const T = 4096;
const LAYERS = 2;
/** Bounds stated for T = 4,096 (tokens cost ~100 bytes each on two axes; each grid 4 × 64² bytes). */
const SNAPSHOT_BOUND = 2 ** 20;
const GRID_BOUND = (side: number) => 5 * side * side + 4096;

/** Causal attention, uniform over the visible keys, except that layer 1 lets query 4000 read key 4001 (a leak). */
function longTrace(): Trace {
  const trace = syntheticTrace(T, []);
  for (let layer = 0; layer < LAYERS; layer++) {
    const data = new Float32Array(T * T);
    const visible = new Uint8Array(T * T);
    for (let q = 0; q < T; q++) {
      data.fill(1 / (q + 1), q * T, q * T + q + 1);
      visible.fill(1, q * T, q * T + q + 1);
    }
    if (layer === 1) visible[4000 * T + 4001] = 1;
    trace.attention.push({ layer, kind: 'self', heads: 1, headAveraged: false, queries: T, keys: T, data });
    trace.masks.push({ layer, kind: 'self', queries: T, keys: T, visible, raw: new Float32Array(0) });
  }
  return trace;
}

const none = () => Promise.reject(new Error('not in this test'));
const runner: InspectorRunner = { rerun: none, probe: none, facts: async () => ({}), compute: channelCompute() };

describe('the Masks view message at T = 4,096', () => {
  const trace = longTrace();
  let sent: InspectorSnapshot | undefined;
  const session = new InspectorSession(runner, (s) => (sent = s));
  session.show(trace);

  test(`a snapshot stays under ${SNAPSHOT_BOUND / 2 ** 20} MB, every grid pooled to ${OVERVIEW_CELLS} a side`, async () => {
    await session.ready();
    assert.ok(sent);
    const bytes = serialize(sent).length;
    // Before pooling, each layer's grid alone was 3 × 4,096² bytes (50 MB).
    console.log(`# snapshot at T = ${T}, ${LAYERS} layers: ${(bytes / 1024).toFixed(0)} KiB`);
    assert.ok(bytes < SNAPSHOT_BOUND, `${bytes} bytes`);
    for (const g of sent.runs[0].grids) {
      assert.deepEqual([g.rows, g.cols, g.qStep, g.kStep, g.queries, g.keys], [OVERVIEW_CELLS, OVERVIEW_CELLS, 64, 64, T, T]);
      // Pooled causal: a block on the diagonal holds hidden cells, so it is hidden; blocks below it are visible.
      assert.equal(g.applied![0], 0);
      assert.equal(g.applied![1 * 64 + 0], 1);
      assert.equal(g.expected[1 * 64 + 1], 0);
    }
    // The one leaking cell (query 4000, key 4001) survives pooling as a differing block, block (62, 62), and is
    // counted as one cell, not one block.
    assert.deepEqual(
      sent.runs[0].grids.map((g) => g.differing),
      [0, 1],
    );
    const leak = sent.runs[0].grids[1].differs;
    assert.deepEqual(
      [...leak.keys()].filter((i) => leak[i]),
      [Math.floor(4000 / 64) * 64 + Math.floor(4001 / 64)],
    );
  });

  test('the grid the view draws, at its canvas size and zoomed, stays under 5 bytes a cell drawn', async () => {
    const runId = sent!.activeRunId;
    for (const side of [128, 256]) {
      const g = await session.grid({ runId, kind: 'self', layer: 1, maxRows: side, maxCols: side });
      assert.ok(g);
      assert.deepEqual([g.rows, g.cols, g.qStep, g.kStep], [side, side, T / side, T / side]);
      const bytes = serialize(g).length;
      console.log(`# grid at ${side} × ${side}: ${(bytes / 1024).toFixed(0)} KiB`);
      assert.ok(bytes < GRID_BOUND(side), `${bytes} bytes`);
    }
    // Full resolution around the leak: the cell itself, unpooled.
    const zoom = await session.grid({ runId, kind: 'self', layer: 1, q0: 3980, k0: 3980, rows: 48, cols: 48, maxRows: 48, maxCols: 48 });
    assert.ok(zoom);
    assert.deepEqual([zoom.q0, zoom.k0, zoom.rows, zoom.cols, zoom.qStep, zoom.kStep], [3980, 3980, 48, 48, 1, 1]);
    const diffs = [...zoom.differs.keys()].filter((i) => zoom.differs[i]).map((i) => [3980 + Math.floor(i / 48), 3980 + (i % 48)]);
    assert.deepEqual(diffs, [[4000, 4001]]);
    assert.ok(serialize(zoom).length < GRID_BOUND(48));
  });
});
