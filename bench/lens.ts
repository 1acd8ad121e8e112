/**
 * Lens benchmark on the GPT-2-small-shaped model, measured side by side in one run: a decode with every tap
 * captured, with and without the logit lens, on a prompt of T = 256 tokens. The lens stacks each step's last row
 * of all 12 layers and applies the model's own norm + LM head once (one [12 × 768] · [768 × 50265] product).
 * Also shown, without a goal: the lens over every prompt row (`rows: 'all'`), which costs 12 LM heads per row.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decode, openModel } from '../src/core/decode';
import { SessionCache } from '../src/core/decode/sessionCache';
import { LensSessions } from '../src/core/lens';
import { fixture, sharedDataDir } from '../test/unit/paths';
import { ensureGpt2Folder } from './models/gpt2';
import { medianMs, type BenchRow } from './table';

const T = 256;
const ROUNDS = 3;

export async function runLensBench(log: (line: string) => void): Promise<BenchRow[]> {
  const shared = join(sharedDataDir, 'tokenizers', 'roberta-bytelevel-bpe');
  const tokenizerDir = existsSync(join(shared, 'tokenizer.json')) ? shared : fixture('tiny-gpt');
  log(`generating/reusing the GPT-2-small-shaped bench model (tokenizer from ${tokenizerDir})…`);
  const dir = ensureGpt2Folder(tokenizerDir, log);
  const model = await openModel(dir);
  const words = 'The quick brown fox jumps over the lazy dog while the decoder watches every token. ';
  const ids = model.tokenizer.encode(words.repeat(60), { addSpecialTokens: false }).slice(0, T).map((t) => t.id);
  const text = model.tokenizer.decode(ids);
  const taps = new SessionCache();
  const last = new LensSessions({ rows: 'last' });
  const all = new LensSessions({ rows: 'all' });
  const rows: BenchRow[] = [];
  try {
    for (const newTokens of [1, 16]) {
      log(`T = ${T}, ${newTokens} new token(s): decode with all taps vs the same with the lens…`);
      const plain = () => decode(model, taps, { text, maxNewTokens: newTokens });
      const lensed = () => last.decode(model, { text, maxNewTokens: newTokens });
      const { trace, lens } = await lensed(); // session creation and warm-up out of the timing
      await plain();
      let plainMs = 0;
      let lensMs = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // Interleaved so machine noise hits both sides alike.
        plainMs += await medianMs(1, plain);
        lensMs += await medianMs(1, lensed);
      }
      // The last layer must be the model's own distribution; report the worst difference alongside.
      const L = lens.layers.length;
      const worst = trace.generated.reduce((m, g, s) => Math.max(m, Math.abs(lens.nextProbs[s * L + L - 1] - g.prob)), 0);
      rows.push({
        name: `decode with the logit lens, T = ${T}, ${newTokens} new token${newTokens > 1 ? 's' : ''}`,
        baseline: 'the same decode with all taps, no lens',
        ratio: lensMs / plainMs,
        goal: '≤ 1.3',
        detail: `${(lensMs / ROUNDS).toFixed(0)} ms vs ${(plainMs / ROUNDS).toFixed(0)} ms; ${L} layers × ${lens.positions.length} positions × top-${lens.k}; last layer vs model |Δp| ≤ ${worst.toExponential(1)}`,
      });
    }
    log(`T = ${T}, lens over every prompt row (rows: 'all')…`);
    const plain = () => decode(model, taps, { text, maxNewTokens: 1 });
    const every = () => all.decode(model, { text, maxNewTokens: 1 });
    await every();
    const plainMs = await medianMs(1, plain);
    const everyMs = await medianMs(1, every);
    rows.push({ name: `decode with the lens on all ${T} prompt rows`, baseline: 'the same decode with all taps, no lens', ratio: everyMs / plainMs, detail: `${everyMs.toFixed(0)} ms vs ${plainMs.toFixed(0)} ms (12 LM heads per row: for the prompt heatmap, not the default)` });
  } finally {
    await Promise.all([taps.clear(), last.clear(), all.clear()]);
  }
  return rows;
}
