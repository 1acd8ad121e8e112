// Windows judged on synthetic traces whose cells a person can read off: a band, a band with attention sinks, a
// declared window the graph ignores, and a graph window the config does not declare.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTrace, type DeclaredWindow } from '../../../src/core/masks';
import { causal, syntheticTrace, uniformOver } from './helpers';

const band = (n: number, size: number, sinks = 0) =>
  Array.from({ length: n }, (_, q) => Array.from({ length: n }, (_, k) => (k <= q && (q - k < size || k < sinks) ? 1 : 0)));
const declared = (size: number | null): DeclaredWindow => ({ size, layers: null, source: 'sliding_window' });
const layers = (visible: number[][]) => [0, 1].map((layer) => ({ layer, visible, attention: uniformOver(visible) }));

describe('sliding windows in the checks', () => {
  test('a band the config declares: nothing to report (either off-by-one convention)', () => {
    assert.deepEqual(checkTrace(syntheticTrace(10, layers(band(10, 4))), 'trace', { window: declared(4) }), []);
    assert.deepEqual(checkTrace(syntheticTrace(10, layers(band(10, 5))), 'trace', { window: declared(4) }), []);
  });

  test('a band with two attention sinks is a band, not a mask bug', () => {
    assert.deepEqual(checkTrace(syntheticTrace(10, layers(band(10, 3, 2))), 'trace', { window: declared(3) }), []);
    assert.deepEqual(checkTrace(syntheticTrace(10, layers(band(10, 3, 2)))), []);
  });

  test('declared but not applied: the window check, naming a cell beyond the window', () => {
    const [f, ...rest] = checkTrace(syntheticTrace(10, layers(causal(10))), 'trace', { window: declared(4) });
    assert.deepEqual(rest, []);
    assert.equal(f.check, 'window');
    assert.match(
      f.message,
      /declares sliding_window = 4, but in self-attention of layers 0 and 1 position 9 “ t9” still sees position 0 “ t0”, 9 positions back/,
    );
    assert.deepEqual(f.evidence?.[1].cells, [[9, 0]]);
  });

  test('applied but not declared (config without a window): the window check, not a mask mismatch', () => {
    const findings = checkTrace(syntheticTrace(10, layers(band(10, 4))), 'trace', { window: declared(null) });
    assert.deepEqual(
      findings.map((f) => f.check),
      ['window'],
    );
    assert.match(findings[0].message, /sees only its last 4 positions/);
  });

  test('a window of another size', () => {
    const findings = checkTrace(syntheticTrace(12, layers(band(12, 8))), 'trace', { window: declared(4) });
    assert.deepEqual(
      findings.map((f) => f.check),
      ['window'],
    );
    assert.match(findings[0].message, /declares sliding_window = 4, but .* sees its last 8 positions/);
  });

  test('Gemma-style: only the windowed layers are held to the window', () => {
    const trace = syntheticTrace(10, [
      { layer: 0, visible: band(10, 4), attention: uniformOver(band(10, 4)) },
      { layer: 1, visible: causal(10), attention: uniformOver(causal(10)) },
    ]);
    assert.deepEqual(checkTrace(trace, 'trace', { window: { size: 4, layers: [0], source: 'sliding_window, layer_types' } }), []);
  });
});
