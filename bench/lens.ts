/**
 * Lens benchmark on the GPT-2-small-shaped model, measured side by side in one run: a decode with every tap
 * captured, with and without the logit lens, on a prompt of T = 256 tokens. The decode session only returns each
 * layer's hidden state (a tap it has anyway); after the decode, the standalone lens (the model's own norm + LM
 * head as a small ONNX model) runs once over every step's × layer's rows ([S·12 × 768] · [768 × 50265], in
 * batches). Timed as process CPU time (wall time on a shared machine is too noisy).
 * Also shown, without a goal: the lens over every prompt row (`rows: 'all'`), which costs 12 LM heads per row.
 */
import { decode } from '../src/core/decode';
import { SessionCache } from '../src/core/decode/sessionCache';
import { openBenchModel } from './models/gpt2';
import { timed, type BenchRow, type Timing } from './table';

const T = 256;
const ROUNDS = 5;

const median = <X>(xs: X[], key: (x: X) => number) => xs.map(key).sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runLensBench(log: (line: string) => void): Promise<BenchRow[]> {
  const { model, text } = await openBenchModel(T, log);
  // One session cache for both sides, as in the extension: a decode with the `lens` option reads the tapped
  // session's hidden states and runs the standalone lens session after the decode.
  const taps = new SessionCache();
  const rows: BenchRow[] = [];
  try {
    for (const newTokens of [1, 16]) {
      log(`T = ${T}, ${newTokens} new token(s): decode with all taps vs the same with the lens…`);
      const plain = () => decode(model, taps, { text, maxNewTokens: newTokens });
      const lensed = () => decode(model, taps, { text, maxNewTokens: newTokens, lens: { rows: 'last', k: 10 } });
      const trace = await lensed(); // session creation and warm-up out of the timing
      const lens = trace.lens!;
      await plain();
      // Interleaved pairs, so machine noise hits both sides alike. On a shared machine wall time swings 3× between
      // identical runs, so the figure is process CPU time (user + system, every ORT thread), fastest of each side.
      const pairs: Timing[][] = [];
      for (let round = 0; round < ROUNDS; round++) pairs.push([await timed(plain), await timed(lensed)]);
      const best = (side: number, key: keyof Timing) => Math.min(...pairs.map((p) => p[side][key]));
      // The last layer must be the model's own distribution; report the worst difference alongside.
      const L = lens.layers.length;
      const worst = trace.generated.reduce((m, g, s) => Math.max(m, Math.abs(lens.nextProbs[s * L + L - 1] - g.prob)), 0);
      rows.push({
        name: `decode with the logit lens, T = ${T}, ${newTokens} new token${newTokens > 1 ? 's' : ''}`,
        baseline: 'the same decode with all taps, no lens',
        ratio: best(1, 'cpu') / best(0, 'cpu'),
        goal: '≤ 1.3',
        detail: `CPU ${best(1, 'cpu').toFixed(0)} ms vs ${best(0, 'cpu').toFixed(0)} ms (wall ${best(1, 'wall').toFixed(0)} vs ${best(0, 'wall').toFixed(0)} ms, ratio ${(best(1, 'wall') / best(0, 'wall')).toFixed(2)}; median pair CPU ratio ${median(pairs, (p) => p[1].cpu / p[0].cpu).toFixed(2)}; fastest of ${ROUNDS}); ${L} layers × ${lens.positions.length} positions × top-${lens.k}; last layer vs model |Δp| ≤ ${worst.toExponential(1)}`,
      });
    }
    log(`T = ${T}, lens over every prompt row (rows: 'all')…`);
    const plain = () => decode(model, taps, { text, maxNewTokens: 1 });
    const every = () => decode(model, taps, { text, maxNewTokens: 1, lens: { rows: 'all', k: 10 } });
    await every();
    const [p, e] = [await timed(plain), await timed(every)];
    rows.push({
      name: `decode with the lens on all ${T} prompt rows`,
      baseline: 'the same decode with all taps, no lens',
      ratio: e.cpu / p.cpu,
      detail: `CPU ${e.cpu.toFixed(0)} ms vs ${p.cpu.toFixed(0)} ms, wall ${e.wall.toFixed(0)} vs ${p.wall.toFixed(0)} ms (one pair; 12 LM heads per row: for the prompt heatmap, not the default)`,
    });
  } finally {
    await taps.clear();
  }
  return rows;
}
