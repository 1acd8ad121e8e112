/**
 * Keeps a capture under the byte cap, degrading in stated steps: (when compact capture is asked for) per-head
 * probabilities as 16-bit, then 8-bit codes; then head-average; then fewer layers; then none.
 */
export interface CaptureShape {
  layers: number[];
  /** Per attention kind: heads and the matrix size it will need. */
  kinds: { heads: number; queries: number; keys: number }[];
}

export interface CapturePlanning {
  averageHeads: boolean;
  /** Bits per stored attention probability: 32 (float32), or 16/8 (quantised codes, see capture.ts). */
  bits: 32 | 16 | 8;
  /**
   * Sparse per-head capture computed in the graph (onnx/compact.ts): each query row's `topK` largest
   * probabilities and the mass of the rest, masks as bands. Set only when `sparse` was allowed (the session has
   * the compaction nodes) and even 8-bit codes would pass the cap.
   */
  topK?: number;
  keepLayer(layer: number): boolean;
  dropped: string[];
}

const MB = 1024 * 1024;

/** Below this many keys per row a sparse capture says too little to be worth keeping over head averages. */
export const MIN_TOP_K = 4;

/**
 * The k a sparse capture can keep per query row within the cap: per layer and query row, every head's k float16
 * values + int32 indices and its float32 rest mass, plus the row's mask band (three int32).
 */
export function sparseK(shape: CaptureShape, capBytes: number): number {
  const rows = shape.kinds.reduce((sum, k) => sum + k.queries, 0) * shape.layers.length;
  const heads = Math.max(1, ...shape.kinds.map((k) => k.heads));
  const keys = Math.max(1, ...shape.kinds.map((k) => k.keys));
  if (rows === 0) return keys;
  const k = Math.floor((capBytes / rows - 12) / heads - 4) / 6;
  return Math.min(keys, Math.max(0, Math.floor(k)));
}

export function planCapture(shape: CaptureShape, capBytes: number, compact = false, sparse = false): CapturePlanning {
  // Per query × key cell: the attention of every stored head, plus the mask (float32 raw + one visibility byte).
  const perLayer = (bytesPerProb: number, average = false) =>
    shape.kinds.reduce((sum, k) => sum + k.queries * k.keys * ((average ? 1 : k.heads) * bytesPerProb + 5), 0);
  const layerCount = shape.layers.length;
  const full = perLayer(4) * layerCount;
  if (full <= capBytes) return { averageHeads: false, bits: 32, keepLayer: () => true, dropped: [] };
  const fmt = (bytes: number) => `${Math.ceil(bytes / MB)} MB`;
  const why = `all heads need ${fmt(full)} and the capture cap is ${fmt(capBytes)}`;
  if (compact) {
    for (const bits of [16, 8] as const) {
      if (perLayer(bits / 8) * layerCount > capBytes) continue;
      const error = quantisationError(bits);
      return {
        averageHeads: false,
        bits,
        keepLayer: () => true,
        dropped: [
          `per-head attention: kept as ${bits}-bit probabilities${bits === SQRT_CODES ? ' (codes of √p: small probabilities are not rounded to 0)' : ''} (each within ±${error.toPrecision(2)}), since ${why}`,
        ],
      };
    }
  }
  if (compact && sparse) {
    const k = sparseK(shape, capBytes);
    if (k >= MIN_TOP_K) {
      return {
        averageHeads: false,
        bits: 32,
        topK: k,
        keepLayer: () => true,
        dropped: [
          `per-head attention: kept as each query row's ${k} largest probabilities (float16) and the mass of the rest, since ${why} (8-bit codes would need ${fmt(perLayer(1) * layerCount)})`,
          "masks: kept as each row's band of attended keys (first, last, count), read from the probabilities (a key no head attends to is hidden); the raw additive values are not kept",
        ],
      };
    }
  }
  const averaged = perLayer(4, true) * layerCount;
  const dropped = [`per-head attention: heads averaged, since ${why}`];
  if (averaged <= capBytes) return { averageHeads: true, bits: 32, keepLayer: () => true, dropped };
  const fits = Math.floor(capBytes / Math.max(1, perLayer(4, true)));
  if (fits < 1) {
    return {
      averageHeads: true,
      bits: 32,
      keepLayer: () => false,
      dropped: [
        ...dropped,
        `attention and masks of every layer: one head-averaged layer needs ${fmt(perLayer(4, true))}, over the cap of ${fmt(capBytes)}`,
      ],
    };
  }
  // Evenly spaced layers, always the first and the last.
  const sorted = [...shape.layers].sort((a, b) => a - b);
  const kept = new Set<number>();
  for (let i = 0; i < fits; i++) kept.add(sorted[Math.round((i * (sorted.length - 1)) / Math.max(1, fits - 1))]);
  const lost = sorted.filter((l) => !kept.has(l));
  return {
    averageHeads: true,
    bits: 32,
    keepLayer: (l) => kept.has(l),
    dropped: [...dropped, `attention and masks of layers ${lost.join(', ')} (kept ${[...kept].join(', ')} to stay under ${fmt(capBytes)})`],
  };
}

/**
 * Whether a decoder-only decode of `positions` positions needs the sparse capture, decided from the model's
 * config before any session is built (the compaction nodes are part of the session's graph).
 */
export function needsSparseCapture(
  layers: number | undefined,
  heads: number | undefined,
  positions: number,
  capBytes: number,
  compact: boolean,
): boolean {
  if (!compact || !layers || !heads) return false;
  const shape = { layers: Array.from({ length: layers }, (_, i) => i), kinds: [{ heads, queries: positions, keys: positions }] };
  return planCapture(shape, capBytes, true, true).topK !== undefined;
}

/**
 * The largest error of a probability stored as a `bits`-bit code. 16-bit codes are linear, round(p × 65,535): half
 * a step. 8-bit codes are of √p, round(√p × 255) (see SQRT_CODES): |p − p̂| ≤ δ(2√p + δ) with δ half a step, at
 * most δ(2 + δ) near p = 1 — twice a linear code's bound there, but a p of 0.001 (uniform attention over a
 * thousand keys) is kept within 3 % instead of rounding to 0; only p < 3.9e-6 rounds to 0.
 */
export function quantisationError(bits: 8 | 16): number {
  const half = 0.5 / (2 ** bits - 1);
  return bits === 8 ? half * (2 + half) : half;
}

/** Codes of this many bits store √p rather than p. */
export const SQRT_CODES = 8;
