/** Next-token choice from raw logits. Probabilities shown to users are softmax(raw logits), before any of this. */
export type Strategy = 'greedy' | 'top-k' | 'top-p';

export interface SamplingSettings {
  strategy: Strategy;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
}

export const defaultSampling: SamplingSettings = { strategy: 'greedy', temperature: 1, topK: 50, topP: 0.9, seed: 0 };

/** softmax over one row, in float64 for the sum (vocabularies are large). */
export function softmax(logits: ArrayLike<number>, temperature = 1): Float32Array {
  const out = new Float32Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] - max) / temperature);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** The k largest entries, most likely first (ties: lower id first, as torch.topk on CPU tends to). */
export function topK(probs: ArrayLike<number>, k: number): { id: number; prob: number }[] {
  const best: { id: number; prob: number }[] = [];
  for (let id = 0; id < probs.length; id++) {
    const prob = probs[id];
    if (best.length === k && prob <= best[k - 1].prob) continue;
    let i = best.length;
    while (i > 0 && best[i - 1].prob < prob) i--;
    best.splice(i, 0, { id, prob });
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * What the trace shows for one logits row, without materialising the whole distribution: the probability of
 * `id` and the k most likely tokens (softmax of the raw logits). Two passes over the row, no allocation.
 */
export function distributionSummary(
  logits: ArrayLike<number>,
  id: number,
  k: number,
): { prob: number; top: { id: number; prob: number }[] } {
  // Pass 1: the max and the k largest (kept sorted in small typed arrays); pass 2: the normaliser.
  const topValues = new Float64Array(k).fill(-Infinity);
  const topIds = new Int32Array(k).fill(-1);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v > max) max = v;
    if (v > topValues[k - 1]) {
      let j = k - 1;
      while (j > 0 && topValues[j - 1] < v) {
        topValues[j] = topValues[j - 1];
        topIds[j] = topIds[j - 1];
        j--;
      }
      topValues[j] = v;
      topIds[j] = i;
    }
  }
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const top: { id: number; prob: number }[] = [];
  for (let j = 0; j < k && topIds[j] >= 0; j++) top.push({ id: topIds[j], prob: Math.exp(topValues[j] - max) / sum });
  return { prob: Math.exp(logits[id] - max) / sum, top };
}

/** A small seeded generator (mulberry32): the same seed gives the same samples everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function chooseToken(logits: ArrayLike<number>, settings: SamplingSettings, random: () => number): number {
  if (settings.strategy === 'greedy' || settings.temperature <= 0) return argmax(logits);
  const probs = softmax(logits, settings.temperature);
  let candidates: { id: number; prob: number }[];
  if (settings.strategy === 'top-k') {
    candidates = topK(probs, Math.max(1, Math.floor(settings.topK)));
  } else {
    // top-p: the smallest set of most likely tokens whose mass reaches p.
    const sorted = topK(probs, Math.min(probs.length, 1024));
    candidates = [];
    let mass = 0;
    for (const c of sorted) {
      candidates.push(c);
      mass += c.prob;
      if (mass >= settings.topP) break;
    }
  }
  const total = candidates.reduce((s, c) => s + c.prob, 0);
  let r = random() * total;
  for (const c of candidates) {
    r -= c.prob;
    if (r <= 0) return c.id;
  }
  return candidates[candidates.length - 1].id;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
