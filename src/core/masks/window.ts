/**
 * Sliding windows: the window config.json declares, the window a layer's applied mask (or its attention) shows,
 * and the check that the two agree. A config that declares a window the graph does not apply is a known silent
 * export bug: the model is right up to the window and quietly wrong beyond it.
 */
import type { Trace } from '../trace/types';
import { keyMask, type LayerView } from './expected';
import { LEAK_THRESHOLD, type DeclaredWindow } from './types';
import { maskVisible } from '../trace/masks';

/** What config.json says about sliding windows (HF names: Mistral, Qwen2, Gemma 2/3, Phi-3). */
export function declaredWindow(config: Record<string, unknown>, layers: number | undefined): DeclaredWindow {
  const size = config['sliding_window'];
  if (typeof size !== 'number' || !(size > 0) || config['use_sliding_window'] === false) {
    const source = config['use_sliding_window'] === false ? 'use_sliding_window' : 'sliding_window';
    return { size: null, layers: null, source };
  }
  const types = config['layer_types'];
  if (Array.isArray(types)) {
    const windowed = types.flatMap((t, i) => (t === 'sliding_attention' ? [i] : []));
    return windowed.length
      ? { size, layers: windowed, source: 'sliding_window, layer_types' }
      : { size: null, layers: null, source: 'layer_types' };
  }
  const pattern = config['sliding_window_pattern'];
  if (typeof pattern === 'number' && pattern > 1 && layers !== undefined) {
    const windowed = [...Array(layers).keys()].filter((i) => (i + 1) % pattern !== 0);
    return { size, layers: windowed, source: 'sliding_window, sliding_window_pattern' };
  }
  const maxWindowLayers = config['max_window_layers'];
  if (typeof maxWindowLayers === 'number' && config['use_sliding_window'] === true && layers !== undefined) {
    const windowed = [...Array(layers).keys()].filter((i) => i >= maxWindowLayers);
    return { size, layers: windowed, source: 'sliding_window, max_window_layers' };
  }
  return { size, layers: null, source: 'sliding_window' };
}

export type LayerWindow =
  /** Every earlier visible key is seen; `longest` is the largest query–key distance the run had. */
  | { shape: 'full'; longest: number; far: { query: number; key: number } | null }
  /**
   * Keys at distance ≥ size are hidden, nearer ones seen (size counts the query itself), except the first
   * `sinks` keys, which every query sees (StreamingLLM-style attention sinks).
   */
  | { shape: 'band'; size: number; sinks: number; cell: { query: number; key: number } }
  /** Neither: left to the other checks. */
  | { shape: 'other' };

/**
 * The window a decoder self-attention layer applies, read from its applied mask (or, without one, from where
 * its attention is non-zero), over the cells the input mask and causality leave visible.
 */
export function layerWindow(trace: Trace, view: LayerView): LayerWindow {
  const { queries, keys } = view;
  const mask = keyMask(trace, 'self', keys);
  const seen = seenCells(view);
  if (!seen) return { shape: 'other' };
  // Positions of the queries on the key axis: the last `queries` keys (bottom-right aligned).
  const offset = keys - queries;
  const scan = (from: number) => {
    let nearestHidden = Infinity;
    let hiddenAt: { query: number; key: number } | null = null;
    let farthestSeen = -1;
    let far: { query: number; key: number } | null = null;
    for (let q = 0; q < queries; q++) {
      const qp = q + offset;
      for (let k = from; k <= Math.min(qp, keys - 1); k++) {
        if (!mask[k]) continue;
        const d = qp - k;
        if (seen[q * keys + k]) {
          if (d > farthestSeen) [farthestSeen, far] = [d, { query: q, key: k }];
        } else if (d < nearestHidden) [nearestHidden, hiddenAt] = [d, { query: q, key: k }];
      }
    }
    return { nearestHidden, hiddenAt, farthestSeen, far };
  };
  const all = scan(0);
  if (all.hiddenAt === null) return { shape: 'full', longest: Math.max(0, all.farthestSeen), far: all.farthestSeen > 0 ? all.far : null };
  // Leading keys every later query sees are sinks; the band is judged on the keys after them.
  let sinks = 0;
  while (sinks < keys && isSink(sinks)) sinks++;
  const rest = sinks === 0 ? all : scan(sinks);
  // A band: nothing seen at or beyond the nearest hidden distance, and that distance is at least 1.
  if (rest.hiddenAt && rest.nearestHidden >= 1 && rest.farthestSeen < rest.nearestHidden) {
    return { shape: 'band', size: rest.nearestHidden, sinks, cell: rest.hiddenAt };
  }
  return { shape: 'other' };

  function isSink(k: number): boolean {
    if (!mask[k]) return false;
    for (let q = 0; q < queries; q++) if (q + offset >= k && !seen![q * keys + k]) return false;
    return true;
  }
}

function seenCells(view: LayerView): Uint8Array | undefined {
  if (view.mask) return maskVisible(view.mask);
  const a = view.attention;
  if (!a) return undefined;
  const size = a.queries * a.keys;
  const out = new Uint8Array(size);
  for (let h = 0; h < a.heads; h++) for (let i = 0; i < size; i++) if (a.data[h * size + i] > LEAK_THRESHOLD) out[i] = 1;
  return out;
}

/** Whether a graph window of `graph` keys agrees with a declared `declared` (implementations differ by one). */
export const windowsAgree = (declared: number, graph: number): boolean => graph === declared || graph === declared + 1;
