/** What the Masks view receives: grids and divergences as typed arrays, cells packed, nothing shared with the trace. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTrace } from '../../../src/core/masks/checks';
import { compareRuns } from '../../../src/core/masks/compare';
import { factsFromInputs } from '../../../src/core/masks/probes';
import { layerGrids } from '../../../src/core/masks/grids';
import { rerunLabel, toComparison, toFinding, toGrid, toRun } from '../../../src/host/inspector/snapshot';
import { causal, syntheticTrace } from './helpers';

/** JSON arrays of more than 16 numbers anywhere in a value (tensors must be typed arrays). */
function numberArrays(value: unknown, path = '$', out: string[] = []): string[] {
  if (ArrayBuffer.isView(value) || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value) && value.length > 16 && value.every((v) => typeof v === 'number')) out.push(path);
  for (const [k, v] of Object.entries(value)) numberArrays(v, `${path}.${k}`, out);
  return out;
}

describe('inspector snapshot', () => {
  const visible = causal(4, [1]);
  const trace = syntheticTrace(4, [{ attention: visible, visible }, { attention: causal(4) }], { mask: [1, 0, 1, 1] });

  test('a run: tokens, input mask and one grid per layer with applied, expected and weights as bytes', () => {
    const run = toRun(trace, 'r1', 'original', 'Original', layerGrids(trace, [], 64).map(toGrid));
    assert.deepEqual(Array.from(run.inputMask), [1, 0, 1, 1]);
    assert.equal(run.grids.length, 2);
    const [g0, g1] = run.grids;
    assert.deepEqual(Array.from(g0.applied!), visible.flat());
    assert.notEqual(g0.applied!.buffer, trace.masks[0].visible.buffer, 'a copy, not the trace array');
    assert.deepEqual(Array.from(g0.expected), causal(4, [1]).flat());
    assert.equal(g0.weight[0], 255, 'p = 1 is byte 255');
    assert.equal(g1.applied, null, 'no mask captured for layer 1');
    assert.deepEqual(numberArrays(run), []);
  });

  test('findings pack their cells as [layer, kind, query, key]', () => {
    const [f] = checkTrace(trace);
    const packed = toFinding(f, 'r1');
    assert.ok(packed.cells instanceof Int32Array);
    assert.equal(packed.cells.length, f.cells.length * 4);
    assert.deepEqual(Array.from(packed.cells.subarray(0, 4)), [f.cells[0].layer, 0, f.cells[0].query, f.cells[0].key]);
  });

  test('a comparison carries divergences as Float32Arrays', () => {
    const c = toComparison(compareRuns(trace, trace), 'a', 'b');
    assert.ok(c.divergence.every((d) => d.mean instanceof Float32Array && d.max instanceof Float32Array));
    assert.deepEqual(numberArrays(c), []);
  });

  test('labels and model facts', () => {
    assert.equal(rerunLabel(trace), 'Rerun: token 1 “ t1” hidden');
    const files = (inputs: string[][]) => inputs.map((i, n) => ({ role: n ? 'decoder-with-past' : 'decoder', inputs: i }));
    assert.deepEqual(factsFromInputs(files([['input_ids', 'attention_mask', 'position_ids']])), { positionIdsInput: true });
    assert.deepEqual(factsFromInputs(files([['input_ids', 'attention_mask']])), { positionIdsInput: false });
  });
});
