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
  keepLayer(layer: number): boolean;
  dropped: string[];
}

const MB = 1024 * 1024;

export function planCapture(shape: CaptureShape, capBytes: number, compact = false): CapturePlanning {
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
        dropped: [`per-head attention: kept as ${bits}-bit probabilities (each within ±${error.toPrecision(2)}), since ${why}`],
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

/** The largest error of a probability stored as a `bits`-bit code: half a step of 1 / (2^bits − 1). */
export function quantisationError(bits: 8 | 16): number {
  return 0.5 / (2 ** bits - 1);
}
