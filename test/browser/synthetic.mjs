// A generated Trace for the benchmark: L layers × H heads of causal attention over T positions.
// Rows are peaked softmaxes (a few strong keys per row, like real heads), made with a fixed-seed generator.
export function syntheticTrace({ layers, heads, T, generated = 8, compact, plant, sharedLayers }) {
  if (compact) return traceOf({ layers, heads, T, generated }, ...compactAttention({ layers, heads, T, plant, sharedLayers }));
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
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
  return traceOf({ layers, heads, T, generated }, attention, masks);
}

/**
 * Long-context attention as the capture stores it past the cap: every head kept, each probability an 8-bit code
 * round(p × 255) ([head][query][key]). Each causal row puts 0.3 on the first token (an attention sink), 0.3 on
 * itself, 0.05 on one earlier key chosen at random, and spreads the rest evenly (below one code step at long range,
 * as real 8-bit captures lose it). `plant` = { layer, head, query, key } gives that one cell 0.95 (the rest of
 * its row shrinks): a bright cell a test can look for after downsampling. `sharedLayers` lets every layer read
 * one layer's codes (a 24 × 16 grid at T = 4,096 would be 6.4 GB otherwise; painting does not care).
 */
function compactAttention({ layers, heads, T, plant, sharedLayers }) {
  let seed = 777;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const code = (p) => Math.round(p * 255);
  const layerCodes = (l) => {
    const codes = new Uint8Array(heads * T * T);
    for (let h = 0; h < heads; h++)
      for (let q = 0; q < T; q++) {
        const row = (h * T + q) * T;
        const planted = plant && plant.layer === l && plant.head === h && plant.query === q;
        const strong = planted ? 0.025 : 0.3;
        if (q > 2) codes.fill(code((1 - 2 * strong - 0.05 - (planted ? 0.95 : 0)) / (q - 2)), row, row + q);
        codes[row + Math.floor(rand() * q)] = code(0.05);
        codes[row] = code(q === 0 ? 1 : strong);
        codes[row + q] = code(q === 0 ? 1 : strong);
        if (planted) codes[row + plant.key] = code(0.95);
      }
    return codes;
  };
  const shared = sharedLayers ? layerCodes(plant?.layer ?? 0) : undefined;
  const visible = new Uint8Array(T * T);
  for (let q = 0; q < T; q++) visible.fill(1, q * T, q * T + q + 1);
  const attention = [];
  const masks = [];
  for (let l = 0; l < layers; l++) {
    const codes = shared ?? layerCodes(l);
    attention.push({
      layer: l,
      kind: 'self',
      heads,
      headAveraged: false,
      queries: T,
      keys: T,
      data: new Float32Array(0),
      quantized: { bits: 8, codes, maxError: 0.5 / 255 },
    });
    masks.push({ layer: l, kind: 'self', queries: T, keys: T, visible, raw: new Float32Array(0) });
  }
  return [attention, masks];
}

function traceOf({ layers, heads, T, generated }, attention, masks) {
  const n = T - generated + 1;
  const token = (i) => ({ id: i, text: i % 7 === 0 ? ' the' : ` w${i}`, start: null, end: null, special: false });
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
