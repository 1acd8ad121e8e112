/** Keeps a capture under the byte cap, degrading in stated steps: head-average, then fewer layers, then none. */
export interface CaptureShape {
  layers: number[];
  /** Per attention kind: heads and the matrix size it will need. */
  kinds: { heads: number; queries: number; keys: number }[];
}

export interface CapturePlanning {
  averageHeads: boolean;
  keepLayer(layer: number): boolean;
  dropped: string[];
}

const MB = 1024 * 1024;

export function planCapture(shape: CaptureShape, capBytes: number): CapturePlanning {
  const perLayer = (average: boolean) => shape.kinds.reduce((sum, k) => sum + k.queries * k.keys * ((average ? 1 : k.heads) * 4 + 5), 0);
  const layerCount = shape.layers.length;
  const full = perLayer(false) * layerCount;
  if (full <= capBytes) return { averageHeads: false, keepLayer: () => true, dropped: [] };
  const fmt = (bytes: number) => `${Math.ceil(bytes / MB)} MB`;
  const averaged = perLayer(true) * layerCount;
  const dropped = [`per-head attention: heads averaged, since all heads need ${fmt(full)} and the capture cap is ${fmt(capBytes)}`];
  if (averaged <= capBytes) return { averageHeads: true, keepLayer: () => true, dropped };
  const fits = Math.floor(capBytes / Math.max(1, perLayer(true)));
  if (fits < 1) {
    return {
      averageHeads: true,
      keepLayer: () => false,
      dropped: [
        ...dropped,
        `attention and masks of every layer: one head-averaged layer needs ${fmt(perLayer(true))}, over the cap of ${fmt(capBytes)}`,
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
    keepLayer: (l) => kept.has(l),
    dropped: [...dropped, `attention and masks of layers ${lost.join(', ')} (kept ${[...kept].join(', ')} to stay under ${fmt(capBytes)})`],
  };
}
