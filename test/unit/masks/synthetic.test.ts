/** The checks on hand-made traces: the cases the fixtures cannot show (a leak, a mask on the wrong axis, no mask captured). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTrace, MAX_CELLS_PER_LAYER } from '../../../src/core/masks/checks';
import { comparePadding } from '../../../src/core/masks/positions';
import { planProbes, probeToken, runChecks } from '../../../src/core/masks/probes';
import { causal, syntheticTrace } from './helpers';

const N = 5;
const checks = (t: ReturnType<typeof syntheticTrace>) => checkTrace(t).map((f) => f.check);

describe('checks over one trace', () => {
  test('a correct causal trace with a hidden token gives no finding', () => {
    const mask = causal(N, [2]);
    assert.deepEqual(checks(syntheticTrace(N, [{ attention: mask, visible: mask }], { mask: [1, 1, 0, 1, 1] })), []);
  });

  test('leak: attention above 1e-6 on a key the applied mask hides', () => {
    const visible = causal(N, [2]);
    const attention = visible.map((row, q) => row.map((v, k) => (v ? 1 : k === 2 && q >= 2 ? 0.2 : 0)));
    const [f, ...rest] = checkTrace(syntheticTrace(N, [{ attention, visible }], { mask: [1, 1, 0, 1, 1] }));
    assert.equal(f.check, 'leak');
    assert.deepEqual(rest, []);
    assert.equal(f.cellCount, 3);
    assert.deepEqual(
      f.cells.map((c) => [c.query, c.key]),
      [
        [2, 2],
        [3, 2],
        [4, 2],
      ],
    );
    assert.match(f.message, /leaks through the mask.*position 2 “ t2”/);
  });

  test('a fully hidden query row (left padding) is not a leak, whatever the model does there', () => {
    const visible = causal(N, [0]);
    const attention = visible.map((row, q) => (q === 0 ? [1, 1, 1, 1, 1] : row));
    assert.deepEqual(checks(syntheticTrace(N, [{ attention, visible }], { mask: [0, 1, 1, 1, 1] })), []);
  });

  test('no mask captured: reading the future or a hidden token is still found, from the attention', () => {
    const full = Array.from({ length: N }, () => Array(N).fill(1));
    assert.deepEqual(checks(syntheticTrace(N, [{ attention: full }])), ['causal']);
    const readsHidden = causal(N);
    assert.deepEqual(checks(syntheticTrace(N, [{ attention: readsHidden }], { mask: [1, 0, 1, 1, 1] })), ['mask-mismatch']);
  });

  test('a padding mask applied over queries instead of keys is named as the wrong axis', () => {
    // Row 1 hidden entirely, column 1 left visible.
    const visible = causal(N).map((row, q) => (q === 1 ? row.map(() => 0) : row));
    const [f, ...rest] = checkTrace(syntheticTrace(N, [{ attention: causal(N), visible }], { mask: [1, 0, 1, 1, 1] }));
    assert.deepEqual(rest, []);
    assert.equal(f.check, 'mask-mismatch');
    assert.match(f.message, /wrong axis/);
  });

  test('a mask hiding more than asked (not the cache alignment) is a mismatch naming a cell', () => {
    const visible = causal(N).map((row, q) => row.map((v, k) => (q === 3 && k === 1 ? 0 : v)));
    const [f] = checkTrace(syntheticTrace(N, [{ attention: visible, visible }]));
    assert.equal(f.check, 'mask-mismatch');
    assert.match(f.message, /hides 1 cell .* position 3 “ t3” cannot see position 1 “ t1”/);
  });

  test('cells are capped per layer; the count keeps them all', () => {
    const n = 40;
    const full = Array.from({ length: n }, () => Array(n).fill(1));
    const [f] = checkTrace(
      syntheticTrace(n, [
        { attention: full, visible: full },
        { attention: full, visible: full },
      ]),
    );
    assert.equal(f.cellCount, 2 * ((n * (n - 1)) / 2));
    assert.equal(f.cells.length, 2 * MAX_CELLS_PER_LAYER);
    assert.match(f.message, /layers 0 and 1/);
  });
});

describe('probes', () => {
  test('a mask probe hides an ordinary middle token, never the last prompt token; none when a token is already hidden', () => {
    const t = syntheticTrace(6, []);
    const [probe] = planProbes(t);
    assert.equal(probe.id, 'mask-probe');
    assert.deepEqual(probe.attentionMask, [1, 1, 0, 1, 1, 1]);
    t.input.tokens[2].special = true;
    assert.equal(probeToken(t), 1, 'the nearest ordinary token, the earlier on a tie');
    assert.deepEqual(planProbes(syntheticTrace(6, [], { mask: [1, 0, 1, 1, 1, 1] })), []);
  });

  test('padding probes only for a decoder-only model known to compute its own position ids', () => {
    const t = syntheticTrace(6, []);
    assert.deepEqual(
      planProbes(t, { positionIdsInput: true }).map((p) => p.id),
      ['mask-probe'],
    );
    assert.deepEqual(
      planProbes(t, {}).map((p) => p.id),
      ['mask-probe'],
    );
    const probes = planProbes(t, { positionIdsInput: false });
    assert.deepEqual(
      probes.map((p) => p.id),
      ['mask-probe', 'padding-hidden', 'padding-removed'],
    );
    assert.deepEqual(probes[1].attentionMask, [0, 1, 1, 1, 1, 1]);
    assert.equal(probes[2].text, t.input.text.slice(3));
    assert.deepEqual(
      planProbes(syntheticTrace(6, [], { architecture: 'encoder-decoder' }), { positionIdsInput: false }).map((p) => p.id),
      ['mask-probe'],
    );
  });

  test('padding probes that tokenize differently are skipped with a note, not reported', () => {
    const hidden = syntheticTrace(4, [], { mask: [0, 1, 1, 1] });
    const removed = syntheticTrace(4, []);
    const notes: string[] = [];
    assert.equal(
      comparePadding(hidden, removed, (n) => notes.push(n)),
      null,
    );
    assert.match(notes[0], /tokenizes differently/);
  });

  test('a model without an attention_mask input is told plainly', () => {
    const findings = runChecks(syntheticTrace(3, []), [
      {
        id: 'mask-probe',
        error: { code: 'unsupported', message: 'model.onnx has no attention_mask input, so a mask override cannot be applied.' },
      },
    ]);
    assert.equal(findings.length, 1);
    assert.equal(findings[0].severity, 'warning');
    assert.match(findings[0].message, /cannot be told which tokens are padding/);
  });
});
