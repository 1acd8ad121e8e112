import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellAt, heatLayout, labelShown, step, thumbSide } from '../../../webview/panel/layout';

const opts = { maxWidth: 300, maxHeight: 300, labelWidth: 50, labelHeight: 40, labelSize: 12 };

test('heatLayout fits whole-pixel cells in the space left by the labels', () => {
  const l = heatLayout(10, 10, opts);
  assert.equal(l.cell, 25); // min(250/10, 260/10) floored
  assert.equal(l.width, 50 + 250);
  assert.equal(l.height, 40 + 250);
  assert.equal(l.rowStride, 1);
  assert.equal(heatLayout(2, 2, opts).cell, 28); // capped
});

test('heatLayout never drops a row: 1,024 keys get 1 px each (the view scrolls), labels thin out', () => {
  const l = heatLayout(1024, 1024, opts);
  assert.equal(l.cell, 1);
  assert.equal(l.width, 50 + 1024);
  assert.equal(l.colStride, 12);
  const shown = Array.from({ length: 1024 }, (_, i) => labelShown(i, l.colStride)).filter(Boolean).length;
  assert.equal(shown, Math.ceil(1024 / 12));
  assert.ok(labelShown(13, l.rowStride, 13), 'the selected label is always shown');
});

test('cellAt maps points to cells and refuses the label area and beyond', () => {
  const l = heatLayout(10, 10, opts);
  assert.deepEqual(cellAt(l, 50, 40), { query: 0, key: 0 });
  assert.deepEqual(cellAt(l, 50 + 25 * 3 + 24, 40 + 25 * 9 + 24), { query: 9, key: 3 });
  assert.equal(cellAt(l, 49, 100), null);
  assert.equal(cellAt(l, 100, 39), null);
  assert.equal(cellAt(l, 300, 100), null);
});

test('thumbSide fits the heads in the width within bounds; step clamps', () => {
  assert.equal(thumbSide(34 + 12 * 44, 12, 34, 4), 40);
  assert.equal(thumbSide(100, 12, 34, 4), 18);
  assert.equal(thumbSide(5000, 2, 34, 4), 72);
  assert.equal(step(0, -1, 5), 0);
  assert.equal(step(4, 1, 5), 4);
  assert.equal(step(2, 1, 5), 3);
  assert.equal(step(2, 1, 0), 0);
});

test('heatLayout with fitBelowOne fits a 4,096-key head in the space with a fractional cell; cellAt maps back to every cell', () => {
  const l = heatLayout(4096, 4096, { ...opts, fitBelowOne: true });
  assert.equal(l.cell, 250 / 4096); // min(250, 260) / 4096
  assert.equal(l.width, 300);
  assert.deepEqual(cellAt(l, 50, 40), { query: 0, key: 0 });
  assert.deepEqual(cellAt(l, 299.99, 289.99), { query: 4095, key: 4095 });
  assert.equal(cellAt(l, 300, 100), null);
  // A window of a larger matrix: hit testing answers in the matrix's own indices.
  const w = heatLayout(10, 10, { ...opts, fitBelowOne: true, q0: 3000, k0: 1230 });
  assert.equal(w.cell, 25);
  assert.deepEqual(cellAt(w, 50 + 25 * 4 + 1, 40 + 1), { query: 3000, key: 1234 });
});
