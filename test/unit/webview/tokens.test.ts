import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axisTokens, FULL_TINT_BITS, queryOfStep, stepOfQuery, stripItems, tintOf } from '../../../webview/panel/tokens';
import { displayText } from '../../../webview/shared/tokenText';
import { decoderOnlyMeta, tok } from './build';

test('displayText shows whitespace, control, zero-width and bidi characters; leaves markup as text', () => {
  assert.equal(displayText(tok(' the')), '·the');
  assert.equal(displayText(tok('\n\t')), '↵⇥');
  assert.equal(displayText(tok('a\u200bb')), 'a\\u{200b}b');
  assert.equal(displayText(tok('\u202eevil')), '\\u{202e}evil');
  assert.equal(displayText(tok('\u0000')), '\\u{0}');
  assert.equal(displayText({ text: '', partial: true }), '◌');
  // Markup stays as it is (only its spaces become visible): it is rendered as text, never parsed.
  assert.equal(displayText(tok('</script><img src=x onerror=alert(1)>')), '</script><img·src=x·onerror=alert(1)>');
  assert.equal(displayText(tok('😀')), '😀');
});

test('decoder-only: step s was predicted at position n-1+s; a position past the last step predicts none', () => {
  const meta = decoderOnlyMeta(['a', 'b', 'c', 'd'], ['x', 'y', 'z']);
  assert.equal(meta.positions.length, 6);
  assert.equal(stepOfQuery(meta, 3), 0);
  assert.equal(stepOfQuery(meta, 5), 2);
  assert.equal(stepOfQuery(meta, 2), null);
  for (let s = 0; s < 3; s++) assert.equal(stepOfQuery(meta, queryOfStep(meta, s)), s);
});

test('encoder-decoder: step s was predicted at decoder position s; axes per kind', () => {
  const meta = {
    ...decoderOnlyMeta(['a', 'b'], ['x', 'y']),
    model: { ...decoderOnlyMeta([], []).model, architecture: 'encoder-decoder' as const },
  };
  meta.positions = [tok('<pad>', 0, true), tok('x', 100)];
  assert.equal(stepOfQuery(meta, 0), 0);
  assert.equal(stepOfQuery(meta, 1), 1);
  assert.equal(axisTokens(meta, 'cross').keys, meta.inputTokens);
  assert.equal(axisTokens(meta, 'cross').queries, meta.positions);
  assert.equal(axisTokens(meta, 'encoder').queries, meta.inputTokens);
  const items = stripItems(meta);
  assert.deepEqual(
    items.map((i) => [i.role, i.axis, i.index]),
    [
      ['input', 'input', 0],
      ['input', 'input', 1],
      ['decoder-start', 'positions', 0],
      ['generated', 'positions', 1],
      ['generated', 'positions', null],
    ],
  );
});

test('stripItems (decoder-only): input then generated; the last generated token selects the position that predicted it', () => {
  const meta = decoderOnlyMeta(['a', 'b', 'c'], ['x', 'y']);
  const items = stripItems(meta);
  assert.deepEqual(
    items.map((i) => i.index),
    [0, 1, 2, 3, null],
  );
  assert.equal(items[4].select, queryOfStep(meta, 1));
  assert.equal(items[4].prob, 0.5);
  assert.ok(Number.isNaN(items[0].prob));
  assert.equal(items[2].prob, 0.25);
  assert.match(items[2].title, /p = 25\.0% \(2\.00 bits\)/);
});

test('tint: 0 for certain or unknown, full at FULL_TINT_BITS of surprisal, linear in bits between', () => {
  assert.equal(tintOf(1), 0);
  assert.equal(tintOf(NaN), 0);
  assert.equal(tintOf(2 ** -FULL_TINT_BITS), 1);
  assert.equal(tintOf(1e-9), 1);
  assert.ok(Math.abs(tintOf(0.5) - 1 / FULL_TINT_BITS) < 1e-12);
});
