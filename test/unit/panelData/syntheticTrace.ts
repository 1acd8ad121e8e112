/**
 * A trace shaped like a real decoder-only decode, built without a model: per layer and head, causal softmax rows
 * (a seeded mix of a diagonal, a first-token sink and noise), the causal mask, per-step top-k, a lens capture and
 * hidden-state norms. For the panel data service's equality tests and its bench (bench/panelData.ts), where a real
 * 12-layer decode would cost tens of seconds; the values only need to be valid probabilities.
 */
import type { AttentionCapture, MaskCapture, Trace, TraceToken } from '../../../src/core/trace/types';

export interface SyntheticTraceOptions {
  layers: number;
  heads: number;
  /** Positions on the self-attention axis (prompt + generated − 1). */
  tokens: number;
  /** 0: float32; 8 or 16: compact codes as the decode stores them. */
  bits: 0 | 8 | 16;
  seed: number;
  /** 8-bit codes of √p (the coding 8-bit captures use), not of p. */
  sqrt?: boolean;
  /** Generated steps (default 20, at most tokens − 1). */
  generated?: number;
}

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export function syntheticPanelTrace(o: SyntheticTraceOptions): Trace {
  const rand = random(o.seed);
  const T = o.tokens;
  const steps = Math.min(o.generated ?? 20, T - 1);
  const size = T * T;
  const visible = new Uint8Array(size);
  for (let q = 0; q < T; q++) visible.fill(1, q * T, q * T + q + 1);
  const row = new Float64Array(T);
  const attention: AttentionCapture[] = [];
  const masks: MaskCapture[] = [];
  for (let layer = 0; layer < o.layers; layer++) {
    const probs = new Float32Array(o.bits ? 0 : o.heads * size);
    const codes = o.bits === 8 ? new Uint8Array(o.heads * size) : o.bits === 16 ? new Uint16Array(o.heads * size) : undefined;
    const levels = 2 ** o.bits - 1;
    for (let h = 0; h < o.heads; h++) {
      const sink = rand() * 4;
      const diag = rand() * 4;
      for (let q = 0; q < T; q++) {
        let total = 0;
        for (let k = 0; k <= q; k++) {
          const v = Math.exp((k === 0 ? sink : 0) + (k === q ? diag : 0) + rand() * 2);
          row[k] = v;
          total += v;
        }
        const base = h * size + q * T;
        for (let k = 0; k <= q; k++) {
          if (codes) codes[base + k] = Math.round((o.sqrt ? Math.sqrt(row[k] / total) : row[k] / total) * levels);
          else probs[base + k] = row[k] / total;
        }
      }
    }
    const common = { layer, kind: 'self' as const, heads: o.heads, headAveraged: false, queries: T, keys: T };
    attention.push(
      codes
        ? {
            ...common,
            data: new Float32Array(0),
            quantized: {
              bits: o.bits as 8 | 16,
              codes: new Uint8Array(codes.buffer),
              maxError: 0.5 / levels,
              ...(o.sqrt ? { coding: 'sqrt' as const } : {}),
            },
          }
        : { ...common, data: probs },
    );
    masks.push({ layer, kind: 'self', queries: T, keys: T, visible: visible.slice(), raw: new Float32Array(size) });
  }
  const token = (i: number): TraceToken => ({ id: i % 50_000, text: `t${i}`, start: null, end: null, special: false });
  const prompt = T - steps + 1;
  const lensPositions = Array.from({ length: T }, (_, p) => p);
  const k = 5;
  const lensIds = new Int32Array(T * o.layers * k).map(() => Math.floor(rand() * 1000));
  const lensProbs = new Float32Array(T * o.layers * k).map(() => rand());
  return {
    format: 'decoder-lens-trace',
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    model: {
      path: '/synthetic',
      architecture: 'decoder-only',
      layers: o.layers,
      heads: o.heads,
      kvCache: true,
      files: ['/synthetic/model.onnx'],
      vocabSize: 50_000,
    },
    settings: {
      maxNewTokens: steps,
      sampling: { strategy: 'greedy', temperature: 1, topK: 50, topP: 0.9, seed: 0 },
      useCache: true,
      captureMaxBytes: 512 * 2 ** 20,
    },
    input: {
      text: 'synthetic',
      tokens: Array.from({ length: prompt }, (_, i) => token(i)),
      attentionMask: new Array<number>(prompt).fill(1),
    },
    positions: Array.from({ length: T }, (_, i) => token(i)),
    inputProbs: new Float32Array(prompt).map(() => rand()),
    inputTop: [],
    generated: Array.from({ length: steps }, (_, i) => ({
      ...token(prompt + i),
      prob: rand(),
      top: Array.from({ length: 10 }, (_, j) => ({ id: j, text: `k${j}`, prob: rand() })),
    })),
    generatedText: '',
    stopReason: 'max-new-tokens',
    attention,
    masks,
    hidden: Array.from({ length: o.layers }, (_, layer) => ({
      layer,
      width: 768,
      norms: new Float32Array(T).map(() => 10 + rand()),
      cosineToPrevious: new Float32Array(T).map(() => (layer ? rand() : NaN)),
    })),
    dropped: [],
    unavailable: [],
    lens: {
      layers: Array.from({ length: o.layers }, (_, l) => l),
      positions: lensPositions,
      k,
      rows: 'all',
      ids: lensIds,
      probs: lensProbs,
      nextIds: new Int32Array(T).fill(-1),
      nextProbs: new Float32Array(T * o.layers).fill(NaN),
      head: null,
      unavailable: [],
      texts: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [i, `w${i}`])),
    },
  };
}
