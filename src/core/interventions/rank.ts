// Head importance: at one step of the unablated greedy run, knock out (zero) each decoder head in turn, the same
// tokens fed, and measure the drop in the chosen token's probability. Batched: each batch item is the same
// sequence with its own gate row, so one run scores up to `batch` heads.
import * as ort from 'onnxruntime-node';
import { checkpoint, DecoderLensError } from '../errors';
import { decode, type DecodeContext, type OpenedModel } from '../decode';
import { defaultSampling } from '../decode/sampling';
import { forward } from './forward';
import { lastRowProbs } from './probs';
import type { HeadHook, HookKind } from './hooks';
import { HookedSessions } from './sessions';

export interface RankHeadsOptions {
  text: string;
  /** The generation step whose chosen token is scored, from 0 (default 0: the first generated token). */
  step?: number;
  /** Heads per run (default 16). */
  batch?: number;
}

export interface HeadImportance {
  kind: HookKind;
  layer: number;
  head: number;
  /** The chosen token's probability with this head zeroed. */
  prob: number;
  /** The unablated probability minus `prob` (positive: the head helped the choice). */
  drop: number;
}

export interface HeadRanking {
  step: number;
  chosen: { id: number; text: string };
  /** The chosen token's probability, unablated. */
  prob: number;
  /** The decoder positions fed (prompt and generated tokens before the step; encoder-decoder: from the start token). */
  fed: number[];
  /** Every decoder head, kind then layer then head order; sort by `drop` to rank. */
  heads: HeadImportance[];
}

/** Sessions for ranking: the hooks, and logits of the last position only (what is scored). */
export function rankSessions(model: OpenedModel): HookedSessions {
  return new HookedSessions({ fallbackHeads: model.config.heads ?? null, lastRowLogits: true, residualPatches: false });
}

export async function rankHeads(
  model: OpenedModel,
  sessions: HookedSessions | null,
  options: RankHeadsOptions,
  context: DecodeContext = {},
): Promise<HeadRanking> {
  const step = options.step ?? 0;
  const batch = options.batch ?? 16;
  if (!Number.isInteger(step) || step < 0 || step > 4095)
    throw new DecoderLensError('bad-input', `step ${step}: expected a whole number from 0 (the first generated token).`);
  if (!Number.isInteger(batch) || batch < 1) throw new DecoderLensError('bad-input', `batch ${batch}: expected a whole number ≥ 1.`);
  const own = sessions === null;
  const source = sessions ?? rankSessions(model);
  try {
    source.feeds = {};
    // Only its generated tokens are used (with last-row logits its per-input probabilities would not be right).
    const unablated = await decode(
      model,
      source,
      { text: options.text, maxNewTokens: step + 1, taps: false, lens: false, sampling: defaultSampling },
      context,
    );
    if (unablated.generated.length <= step)
      throw new DecoderLensError(
        'bad-input',
        `The model stops after ${unablated.generated.length} generated tokens (end of sequence), so there is no step ${step}; steps count from 0.`,
      );
    const chosen = unablated.generated[step];
    const fed = unablated.positions.map((p) => p.id);
    const sourceIds = model.layout.architecture === 'encoder-decoder' ? unablated.input.tokens.map((t) => t.id) : undefined;
    const run = async (rows: number) => {
      const pass = await forward(model, source, { ids: fed, source: sourceIds, batch: rows, taps: false });
      return { hooks: pass.session.hooks.heads, probs: chosenProbs(pass.outputs.logits, rows, chosen.id, pass.session.file) };
    };
    const base = await run(1);
    const hooks = base.hooks.filter((h) => h.kind !== 'encoder');
    const items = hooks.flatMap((hook) => Array.from({ length: hook.heads }, (_, head) => ({ hook, head })));
    const heads: HeadImportance[] = [];
    for (let start = 0; start < items.length; start += batch) {
      await checkpoint(context.signal);
      const chunk = items.slice(start, start + batch);
      source.feeds = knockoutFeeds(hooks, chunk);
      const { probs } = await run(chunk.length);
      chunk.forEach(({ hook, head }, b) =>
        heads.push({ kind: hook.kind, layer: hook.layer, head, prob: probs[b], drop: base.probs[0] - probs[b] }),
      );
      context.onStep?.(Math.min(start + batch, items.length), items.length);
    }
    return { step, chosen: { id: chosen.id, text: chosen.text }, prob: base.probs[0], fed, heads };
  } finally {
    source.feeds = {};
    if (own) await source.clear();
  }
}

/** Gate rows for one batch: item b zeroes its own head and leaves every other head at 1. */
function knockoutFeeds(hooks: HeadHook[], chunk: { hook: HeadHook; head: number }[]): Record<string, ort.Tensor> {
  const B = chunk.length;
  const feeds: Record<string, ort.Tensor> = {};
  for (const hook of hooks) {
    const gate = new Float32Array(B * hook.heads).fill(1);
    chunk.forEach((item, b) => {
      if (item.hook === hook) gate[b * hook.heads + item.head] = 0;
    });
    feeds[hook.gate] = new ort.Tensor('float32', gate, [B, hook.heads]);
  }
  return feeds;
}

/** Each batch row's probability of `id` at the last position. */
function chosenProbs(logits: ort.Tensor | undefined, rows: number, id: number, file: string): number[] {
  if (!logits) throw new DecoderLensError('unsupported', `${file} has no "logits" output.`, file);
  return lastRowProbs(logits, rows, id);
}
