/** Small hand-made traces for the panel's unit tests. */
import type { PanelCaptureInfo, PanelTraceMeta } from '../../../src/protocol/panel';
import type { ViewToken } from '../../../src/protocol/trace';
import type { PanelAttention, PanelData, PanelMask } from '../../../src/panelData/serve';

export const tok = (text: string, id = 0, special = false): ViewToken => ({ id, text, special });

/** A causal [heads][T][T] stack whose row q of head h puts weight on keys 0..q in proportions (k + 1 + h). */
export function causal(layer: number, heads: number, T: number): PanelAttention {
  const data = new Float32Array(heads * T * T);
  for (let h = 0; h < heads; h++)
    for (let q = 0; q < T; q++) {
      let sum = 0;
      for (let k = 0; k <= q; k++) sum += k + 1 + h;
      for (let k = 0; k <= q; k++) data[(h * T + q) * T + k] = (k + 1 + h) / sum;
    }
  return { layer, kind: 'self', heads, headAveraged: false, queries: T, keys: T, data };
}

export function causalMask(layer: number, T: number): PanelMask {
  const visible = new Uint8Array(T * T);
  for (let q = 0; q < T; q++) for (let k = 0; k <= q; k++) visible[q * T + k] = 1;
  return { layer, kind: 'self', queries: T, keys: T, visible };
}

/** Decoder-only: `input` tokens, then `generated` tokens (all but the last fed back as positions). */
export function decoderOnlyMeta(input: string[], generated: string[], captures: PanelCaptureInfo[] = []): PanelTraceMeta {
  const inputTokens = input.map((t, i) => tok(t, i));
  const gen = generated.map((t, i) => ({ id: 100 + i, text: t, prob: 0.5 }));
  return {
    traceId: 't-test',
    createdAt: '2026-01-01T00:00:00Z',
    model: { path: '/m/tiny', name: 'tiny', architecture: 'decoder-only', layers: 2, heads: 2, kvCache: true },
    inputText: input.join(''),
    inputTokens,
    inputProbs: new Float32Array(input.map((_, i) => (i === 0 ? NaN : 1 / 2 ** i))),
    positions: [...inputTokens, ...gen.slice(0, -1).map((g) => tok(g.text, g.id))],
    generated: gen,
    stopReason: 'max-new-tokens',
    captures,
    dropped: [],
    unavailable: [],
  };
}

export function decoderOnlyData(): PanelData {
  const attention = [causal(0, 2, 5), causal(1, 2, 5)];
  const masks = [causalMask(0, 5), causalMask(1, 5)];
  const meta = decoderOnlyMeta(
    ['a', 'b', 'c', 'd'],
    ['x', 'y'],
    attention.map((a) => ({ layer: a.layer, kind: a.kind, heads: a.heads, headAveraged: false, queries: 5, keys: 5, masked: true })),
  );
  return {
    meta,
    top: [
      [
        { id: 100, text: 'x', prob: 0.5 },
        { id: 7, text: 'z', prob: 0.2 },
      ],
      [{ id: 101, text: 'y', prob: 0.5 }],
    ],
    attention,
    masks,
  };
}
