import { type Aligned, mapLocal, prependAligned, reconcile, replaceAligned, stripAligned } from './aligned';
import type { HfInternals, HfNormalizer } from './lib';

/**
 * Runs the library's normaliser on an aligned string, step by step, so every output unit keeps its source range.
 * Each step's text is the library's own result (reconcile), so ids never depend on this mirror.
 */
export function normalizeAligned(n: HfNormalizer | null, a: Aligned): Aligned {
  if (!n) return a;
  const cfg = n.config ?? {};
  switch (cfg.type) {
    case 'Sequence':
      return (n.normalizers ?? []).reduce<Aligned>((acc, child) => normalizeAligned(child, acc), a);
    case 'Strip':
      return reconcile(stripAligned(a, !!cfg.strip_left, !!cfg.strip_right), n.normalize(a.text));
    case 'Prepend':
      return reconcile(prependAligned(a, String(cfg.prepend ?? '')), n.normalize(a.text));
    case 'Replace':
      if (!n.pattern) return a;
      return replaceAligned(a, n.pattern, String(cfg.content ?? ''), n.normalize(a.text));
    default:
      // Lowercase, NFC/NFD/NFKC/NFKD, StripAccents, BertNormalizer, Precompiled: character-local.
      return mapLocal(a, (chunk) => n.normalize(chunk), n.normalize(a.text));
  }
}

const removeAccents = (t: string) => t.replace(/\p{M}/gu, '');

/** The tokenizer_config.json switches the library applies before the normaliser (remove_space, XLM lowercasing). */
export function preNormalizeAligned(t: HfInternals, a: Aligned): Aligned {
  if (t.remove_space === true) {
    const trimmed = stripAligned(a, true, true);
    a = replaceAligned(trimmed, /\s+/g, ' ', a.text.trim().split(/\s+/).join(' '));
  }
  if (t.do_lowercase_and_remove_accent) {
    a = mapLocal(a, (c) => removeAccents(c.toLowerCase()), removeAccents(a.text.toLowerCase()));
  }
  return a;
}
