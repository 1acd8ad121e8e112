import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIEW_STRINGS } from '../../../src/protocol/strings';
import { loadStrings, t, tn } from '../../../webview/shared/strings';

const rootWith = (strings: string | undefined) => ({ dataset: { strings } });

test('without a table from the host the views speak English, placeholders filled', () => {
  loadStrings(rootWith(undefined));
  assert.equal(t('control.layerN', 3), 'Layer 3');
  assert.equal(tn(1, 'compare.shared.one', 'compare.shared.other'), '1 shared position');
  assert.equal(tn(4, 'compare.shared.one', 'compare.shared.other'), '4 shared positions');
});

test("the host's table replaces the English labels; keys it lacks or garbles stay English", () => {
  loadStrings(rootWith(JSON.stringify({ 'control.layerN': '第 {0} 层', 'head.n': 42, 'no.such.key': 'x' })));
  assert.equal(t('control.layerN', 3), '第 3 层');
  assert.equal(t('head.n', 2), 'head 2');
  loadStrings(rootWith('{not json'));
  assert.equal(t('control.layerN', 3), 'Layer 3');
});

test('every template numbers its values from {0} without gaps (as vscode.l10n.t fills them)', () => {
  for (const [key, text] of Object.entries(VIEW_STRINGS)) {
    const used = [...new Set([...text.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
    assert.deepEqual(
      used,
      used.map((_, i) => i),
      key,
    );
  }
});
