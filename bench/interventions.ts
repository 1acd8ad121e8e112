/**
 * Interventions benchmark: "Rank heads" on the GPT-2-small-shaped bench model (12 layers × 12 heads = 144 heads)
 * at T = 256 — the batched ranking as the extension runs it (one unablated pass, then the heads knocked out 16
 * per pass, one gate row per batch item) against the same number of plain forward passes of the same batch sizes
 * (1 × batch 1 + 9 × batch 16 = 145 sequences) on an ONNX Runtime session of the untouched file, measured side by
 * side. Prints seconds, wall and process CPU time (on a shared machine wall time swings with the neighbours).
 * Heavy (several minutes on two cores), so it runs only when named: `npm run bench interventions`.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { SESSION_OPTIONS } from '../src/core/decode/sessionCache';
import { int64Tensor, range } from '../src/core/decode/tensors';
import { rankHeads, rankSessions } from '../src/core/interventions/rank';
import { openBenchModel, GPT2_SMALL } from './models/gpt2';
import { medianRatio, pairCount, timed, type BenchRow, type Timing } from './table';

const T = 256;
/** The ranking's own batch size (rank.ts's default). */
const BATCH = 16;

export async function runInterventionsBench(log: (line: string) => void): Promise<BenchRow[]> {
  const { dir, model, text, ids } = await openBenchModel(T, log);
  const heads = GPT2_SMALL.layers * GPT2_SMALL.heads;
  const sessions = rankSessions(model);
  const plain = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'), SESSION_OPTIONS);
  try {
    // What the ranking feeds: the prompt as decode tokenizes it (special tokens included).
    const fed = model.tokenizer.encode(text, { addSpecialTokens: true }).map((t) => t.id);
    const n = fed.length;
    const pastNames = plain.inputNames.filter((name) => name.startsWith('past_key_values'));
    const headDim = GPT2_SMALL.hidden / GPT2_SMALL.heads;
    const plainPass = async (batch: number) => {
      const feeds: Record<string, ort.Tensor> = {
        input_ids: int64Tensor(Array.from({ length: batch }, () => fed).flat(), [batch, n]),
      };
      if (plain.inputNames.includes('attention_mask')) feeds.attention_mask = int64Tensor(new Array<number>(batch * n).fill(1), [batch, n]);
      if (plain.inputNames.includes('position_ids'))
        feeds.position_ids = int64Tensor(Array.from({ length: batch }, () => range(0, n)).flat(), [batch, n]);
      for (const name of pastNames) feeds[name] = new ort.Tensor('float32', new Float32Array(0), [batch, GPT2_SMALL.heads, 0, headDim]);
      await plain.run(feeds);
    };
    // The plain side: as many sequences, in passes of the same batch sizes as the ranking's.
    const passes = [1, ...Array.from({ length: Math.ceil(heads / BATCH) }, (_, i) => Math.min(BATCH, heads - i * BATCH))];
    const plainSide = async () => {
      for (const b of passes) await plainPass(b);
    };
    let ranked = 0;
    const rankSide = async () => {
      const r = await rankHeads(model, sessions, { text, step: 0, batch: BATCH });
      ranked = r.heads.length;
    };
    log(`rank heads: warming up (hooked and plain sessions created out of the timing; T = ${n}, ${ids.length} prompt tokens)…`);
    await rankSide();
    await plainPass(1);
    const rounds = pairCount(1);
    const pairs: Timing[][] = [];
    for (let round = 0; round < rounds; round++) {
      // The order alternates each round so neither side always runs first.
      const order = round % 2 === 0 ? [rankSide, plainSide] : [plainSide, rankSide];
      const timings = [await timed(order[0]), await timed(order[1])];
      pairs.push(round % 2 === 0 ? timings : [timings[1], timings[0]]);
      log(
        `rank heads round ${round + 1}: ranking ${(pairs[round][0].wall / 1000).toFixed(1)} s wall, ${(pairs[round][0].cpu / 1000).toFixed(1)} s CPU; ` +
          `${passes.length} plain passes ${(pairs[round][1].wall / 1000).toFixed(1)} s wall, ${(pairs[round][1].cpu / 1000).toFixed(1)} s CPU`,
      );
    }
    const med = (side: number, key: keyof Timing) =>
      [...pairs.map((p) => p[side][key])].sort((a, b) => a - b)[Math.floor(pairs.length / 2)];
    const wallRatios = pairs.map((p) => p[0].wall / p[1].wall);
    return [
      {
        name: `rank heads: ${ranked} heads, T = ${n}, batches of ${BATCH}`,
        baseline: `${passes.reduce((n, b) => n + b, 0)} sequences in plain forward passes of the same batch sizes (1 × 1 + ${passes.length - 1} × ${BATCH}), untouched file`,
        ratio: medianRatio(
          pairs.map((p) => p[0].wall),
          pairs.map((p) => p[1].wall),
        ),
        spread: [Math.min(...wallRatios), Math.max(...wallRatios)],
        detail:
          `ranking ${(med(0, 'wall') / 1000).toFixed(1)} s wall (goal ≤ 60 s on two cores), ${(med(0, 'cpu') / 1000).toFixed(1)} s CPU; ` +
          `plain passes ${(med(1, 'wall') / 1000).toFixed(1)} s wall, ${(med(1, 'cpu') / 1000).toFixed(1)} s CPU; ` +
          `CPU ratio ${medianRatio(
            pairs.map((p) => p[0].cpu),
            pairs.map((p) => p[1].cpu),
          ).toFixed(2)}; median of ${pairs.length} interleaved round(s). The ranking also decodes the prompt once (the chosen token) ` +
          `and keeps last-row logits only; the plain passes compute every row's logits.`,
      },
    ];
  } finally {
    await sessions.clear();
    await plain.release();
  }
}
