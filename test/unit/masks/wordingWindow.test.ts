// The sentences come from a table per locale (no English left in the Chinese one), and config.json's window
// declarations are read as Hugging Face's models read them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { declaredWindow, wording } from '../../../src/core/masks';

describe('wording tables', () => {
  const en = wording('en');
  const zh = wording('zh-cn');
  const samples = (w: ReturnType<typeof wording>): string[] => [
    w.leak({ where: w.whereList([{ layer: 0, kind: 'self' }]), count: 2, weight: '5%', query: 'Q', key: 'K' }),
    w.causal({ where: w.whereList([{ layer: 1, kind: 'self' }]), query: 'Q', key: 'K', count: 3 }),
    w.crossPadding({ hidden: ['K'], more: 0, where: w.whereList([{ layer: 0, kind: 'cross' }]), singleLayer: true, weight: '5%' }),
    w.wrongAxis({ where: 'W', hidden: ['K'], more: 2 }),
    w.notApplied({ hidden: ['K'], more: 0, where: 'W', count: 4, weight: null, encoder: true }),
    w.upperLeft({ sees: w.keysUpTo(0), where: 'W', count: 5 }),
    w.hidesVisible({ count: 1, causal: true, where: 'W', query: 'Q', key: 'K' }),
    w.probeUnsupported('X.'),
    w.positions({
      hidden: 'H',
      stateChange: { token: 'T', change: '3%' },
      next: { without: w.nextToken('a', '1%'), withHidden: w.nextToken('b', '2%') },
    }),
    w.windowIgnored({ window: 4, source: 'sliding_window', where: 'W', query: 'Q', key: 'K', distance: 9 }),
    w.windowUndeclared({ graphWindow: 4, where: 'W' }),
    w.windowDiffers({ window: 4, source: 'sliding_window', graphWindow: 8, where: 'W' }),
    w.windowUnseen({ window: 4, longest: 2 }),
    w.notVerified({ what: 'X', kindBasis: 'scope', layerBasis: 'order' }),
    w.probeHide('T'),
    w.paddingHide('T'),
    w.paddingLeaveOut('T'),
    w.kindName('cross'),
    w.token({ source: true, index: 2, text: 'fox' }),
    w.cells(3),
    w.paddingRetokenized(),
    w.paddingProbeFailed(),
    w.maskProbeFailed('X.'),
    w.lengthsOnly(),
  ];

  test('every message exists in both, and the Chinese ones are Chinese', () => {
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    const zhs = samples(zh);
    const ens = samples(en);
    zhs.forEach((s, i) => {
      assert.match(s, /[\u4e00-\u9fff]/, `zh message ${i} has Chinese: ${s}`);
      assert.notEqual(s, ens[i]);
      // Only code words (config keys, op names, the token placeholders) stay in Latin letters.
      const english = s.replace(
        /attention_mask|encoder_attention_mask|sliding_window|position_ids|cumsum|softmax|query|key|token|KV|past length|[A-Z]\b/g,
        '',
      );
      assert.ok(!/\b(the|is|are|and|of|mask)\b/.test(english), `no English prose left in zh message ${i}: ${s}`);
    });
  });

  test('the terms Chinese ML engineers use', () => {
    assert.match(zh.kindName('cross'), /交叉注意力/);
    assert.match(zh.kindName('self'), /自注意力/);
    assert.match(zh.causal({ where: 'W', query: 'Q', key: 'K', count: 1 }), /因果掩码/);
    assert.match(zh.crossPadding({ hidden: ['K'], more: 0, where: 'W', singleLayer: true, weight: '1%' }), /填充/);
    assert.match(zh.leak({ where: 'W', count: 1, weight: '1%', query: 'Q', key: 'K' }), /掩码/);
    assert.match(zh.upperLeft({ sees: 'key 0', where: 'W', count: 1 }), /KV 缓存/);
  });

  test('locale choice: zh-cn and its aliases in Chinese, anything else in English', () => {
    for (const l of ['zh-cn', 'zh-CN', 'zh', 'zh-hans']) assert.equal(wording(l), zh, l);
    for (const l of ['en', 'de', 'zh-tw', undefined]) assert.equal(wording(l), en, String(l));
  });
});

describe('config.json sliding windows', () => {
  test('Mistral: one window for every layer', () => {
    assert.deepEqual(declaredWindow({ sliding_window: 4096 }, 32), { size: 4096, layers: null, source: 'sliding_window' });
  });
  test('no window: null, absent, or Qwen2 with use_sliding_window false', () => {
    assert.equal(declaredWindow({ sliding_window: null }, 2).size, null);
    assert.equal(declaredWindow({}, 2).size, null);
    assert.equal(declaredWindow({ sliding_window: 32768, use_sliding_window: false }, 24).size, null);
  });
  test('Gemma-style layer_types and sliding_window_pattern; Qwen2 max_window_layers', () => {
    assert.deepEqual(
      declaredWindow({ sliding_window: 8, layer_types: ['sliding_attention', 'full_attention', 'sliding_attention'] }, 3).layers,
      [0, 2],
    );
    assert.deepEqual(declaredWindow({ sliding_window: 8, sliding_window_pattern: 3 }, 6).layers, [0, 1, 3, 4]);
    assert.deepEqual(declaredWindow({ sliding_window: 8, use_sliding_window: true, max_window_layers: 2 }, 4).layers, [2, 3]);
  });
});
