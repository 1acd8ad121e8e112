// A generated Trace for the benchmark: L layers × H heads of causal attention over T positions.
// Rows are peaked softmaxes (a few strong keys per row, like real heads), made with a fixed-seed generator.
export function syntheticTrace({ layers, heads, T, generated = 8 }) {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const n = T - generated + 1;
  const token = (i) => ({ id: i, text: i % 7 === 0 ? ' the' : ` w${i}`, start: null, end: null, special: false });
  const attention = [];
  const masks = [];
  for (let l = 0; l < layers; l++) {
    const data = new Float32Array(heads * T * T);
    for (let h = 0; h < heads; h++)
      for (let q = 0; q < T; q++) {
        const row = (h * T + q) * T;
        let sum = 0;
        for (let k = 0; k <= q; k++) {
          const v = Math.exp(4 * rand() * rand() + (k === q - (h % 3) ? 3 : 0));
          data[row + k] = v;
          sum += v;
        }
        for (let k = 0; k <= q; k++) data[row + k] /= sum;
      }
    attention.push({ layer: l, kind: 'self', heads, headAveraged: false, queries: T, keys: T, data });
    const visible = new Uint8Array(T * T);
    for (let q = 0; q < T; q++) visible.fill(1, q * T, q * T + q + 1);
    masks.push({ layer: l, kind: 'self', queries: T, keys: T, visible, raw: new Float32Array(0) });
  }
  const gen = Array.from({ length: generated }, (_, i) => ({
    id: 1000 + i,
    text: ` g${i}`,
    prob: 0.5,
    top: [
      { id: 1000 + i, text: ` g${i}`, prob: 0.5 },
      { id: 1, text: ' x', prob: 0.2 },
    ],
  }));
  return {
    format: 'decoder-lens-trace',
    version: 1,
    createdAt: new Date(0).toISOString(),
    model: {
      path: `synthetic-${layers}x${heads}-T${T}`,
      architecture: 'decoder-only',
      layers,
      heads,
      kvCache: true,
      files: [],
      vocabSize: 2000,
    },
    settings: { maxNewTokens: generated, sampling: { strategy: 'greedy' }, useCache: true, captureMaxBytes: 0 },
    input: { text: '', tokens: Array.from({ length: n }, (_, i) => token(i)), attentionMask: [] },
    positions: [
      ...Array.from({ length: n }, (_, i) => token(i)),
      ...gen.slice(0, -1).map((g) => ({ ...g, start: null, end: null, special: false })),
    ],
    inputProbs: new Float32Array(n).fill(0.1),
    generated: gen,
    stopReason: 'max-new-tokens',
    attention,
    masks,
    hidden: [],
    dropped: [],
    unavailable: [],
  };
}
