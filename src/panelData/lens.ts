/**
 * The logit lens and hidden-state statistics as the panel shows them: the trace's lens capture turned into a
 * layer × position top-1 grid, and hiddenStats() as per-layer typed arrays. Pure (the lens helpers it imports
 * read typed arrays only; the ORT-backed parts of src/core/lens stay out).
 */
import { hiddenStats } from '../core/lens/hidden';
import { decisionLayers, lensTop1, type LensCapture } from '../core/lens/outputs';
import type { HiddenCapture } from '../core/trace/types';
import type { HiddenResult, LensResult } from '../protocol/panel';

export function lensView(capture: LensCapture): LensResult {
  const L = capture.layers.length;
  const P = capture.positions.length;
  const top1 = lensTop1(capture);
  const topIds = new Int32Array(L * P);
  const topProbs = new Float32Array(L * P);
  const topTexts: string[] = new Array<string>(L * P);
  // The capture is [position][layer]; the heatmap paints [layer][position] rows.
  for (let p = 0; p < P; p++) {
    for (let l = 0; l < L; l++) {
      const id = top1.ids[p * L + l];
      topIds[l * P + p] = id;
      topProbs[l * P + p] = top1.probs[p * L + l];
      topTexts[l * P + p] = capture.texts?.[id] ?? '';
    }
  }
  return {
    layers: [...capture.layers],
    positions: Int32Array.from(capture.positions),
    topIds,
    topProbs,
    topTexts,
    nextProbs: capture.nextProbs.slice(0, L * P),
    decision: P && L ? Int32Array.from(decisionLayers(capture)) : new Int32Array(0),
    unavailable: [...capture.unavailable],
  };
}

/** undefined when no hidden states were captured. */
export function hiddenView(hidden: HiddenCapture[]): HiddenResult | undefined {
  if (!hidden.length) return undefined;
  const stats = hiddenStats(hidden);
  return { layers: stats.layers, meanNorm: Float32Array.from(stats.meanNorm), change: Float32Array.from(stats.change) };
}
