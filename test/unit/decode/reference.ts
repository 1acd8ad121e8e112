/** The torch reference outputs the fixture script writes beside each model (reference.json). */
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import type { AttentionCapture, MaskCapture, Trace } from '../../../src/core/trace/types';
import { fixture } from '../paths';

export interface Greedy {
  ids: number[];
  probs: number[];
  top5: { id: number; prob: number }[][];
}
export interface RefAttention {
  layer: number;
  kind: 'self' | 'cross' | 'encoder';
  data: number[][][];
}

export function reference<T = Record<string, unknown>>(model: string): T {
  return JSON.parse(readFileSync(fixture(model, 'reference.json'), 'utf8')) as T;
}

export function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs torch ${expected} (tolerance ${tolerance})`);
}

export function assertGreedy(trace: Trace, greedy: Greedy, tolerance = 1e-4): void {
  assert.deepEqual(
    trace.generated.map((g) => g.id),
    greedy.ids,
    'greedy tokens equal torch',
  );
  trace.generated.forEach((g, i) => {
    assertClose(g.prob, greedy.probs[i], tolerance, `step ${i} chosen-token probability`);
    g.top.forEach((t, j) => {
      // Ties at the 5th place may order differently; compare probabilities, and ids where clearly separated.
      assertClose(t.prob, greedy.top5[i][j].prob, tolerance, `step ${i} top ${j} probability`);
    });
  });
}

export function assertAttention(captured: AttentionCapture[], expected: RefAttention[], tolerance = 1e-4): void {
  assert.equal(captured.length, expected.length, `attention captures: ${captured.map((a) => `${a.kind}${a.layer}`).join(',')}`);
  for (const ref of expected) {
    const a = captured.find((c) => c.layer === ref.layer && c.kind === ref.kind);
    assert.ok(a, `captured ${ref.kind} attention of layer ${ref.layer}`);
    assert.equal(a.heads, ref.data.length, 'heads');
    assert.equal(a.queries, ref.data[0].length, `${ref.kind} ${ref.layer} queries`);
    assert.equal(a.keys, ref.data[0][0].length, `${ref.kind} ${ref.layer} keys`);
    let worst = 0;
    for (let h = 0; h < a.heads; h++)
      for (let q = 0; q < a.queries; q++)
        for (let k = 0; k < a.keys; k++) worst = Math.max(worst, Math.abs(a.data[(h * a.queries + q) * a.keys + k] - ref.data[h][q][k]));
    assert.ok(worst <= tolerance, `${ref.kind} attention layer ${ref.layer}: max |Δ| ${worst} > ${tolerance}`);
  }
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** A mask row as 0/1 from the captured effective mask. */
export function maskRow(mask: MaskCapture, query: number): number[] {
  return Array.from(mask.visible.subarray(query * mask.keys, (query + 1) * mask.keys));
}
