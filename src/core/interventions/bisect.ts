// The quantization / export bisector: two variants of one model (fp32 vs q4, or the same weights exported two
// ways) run on A's greedy tokens, layer by layer side by side, then A's residual stream after each layer is
// spliced into B (the residual patch hook at every position) to find the first layer after which B's output
// matches A again: the layers up to it hold what changed B's answer.
import * as ort from 'onnxruntime-node';
import { checkpoint, DecoderLensError } from '../errors';
import { jsd } from '../compare/divergence';
import { decode, type DecodeContext, type OpenedModel } from '../decode';
import { defaultSampling } from '../decode/sampling';
import { SessionCache } from '../decode/sessionCache';
import { floatData } from '../decode/tensors';
import { numbersOf } from '../lens/outputs';
import { forward, type ForwardResult } from './forward';
import { HookedSessions } from './sessions';
import type { BisectLayer, BisectReport } from './bisectReport';

export interface BisectOptions {
  text: string;
  /** A's greedy tokens generated and fed to both (default 16). */
  maxNewTokens?: number;
  /** How far B's probability of A's token may be from A's and still count as matching (default 0.05). */
  tolerance?: number;
}

// The report's types live in a file without ONNX Runtime, so the compare view's protocol can name them.
export type { BisectLayer, BisectReport } from './bisectReport';

/** Sessions for the bisector: taps (hidden states, attention) and the residual patch hooks, all logit rows. */
export function bisectSessions(model: OpenedModel): HookedSessions {
  return new HookedSessions({ fallbackHeads: model.config.heads ?? null, residualPatches: true });
}

export async function bisect(
  modelA: OpenedModel,
  modelB: OpenedModel,
  options: BisectOptions,
  context: DecodeContext = {},
): Promise<BisectReport> {
  const tolerance = options.tolerance ?? 0.05;
  const maxNewTokens = options.maxNewTokens ?? 16;
  if (!(tolerance >= 0 && tolerance <= 1))
    throw new DecoderLensError('bad-input', `tolerance ${tolerance}: expected a probability from 0 to 1.`);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1)
    throw new DecoderLensError('bad-input', `maxNewTokens ${maxNewTokens}: expected a whole number ≥ 1.`);
  for (const m of [modelA, modelB])
    if (m.layout.architecture !== 'decoder-only')
      throw new DecoderLensError('unsupported', `${m.path}: the bisector is available for decoder-only models so far.`, m.path);
  const encode = (m: OpenedModel) => m.tokenizer.encode(options.text, { addSpecialTokens: true }).map((t) => t.id);
  if (encode(modelA).join(',') !== encode(modelB).join(','))
    throw new DecoderLensError(
      'bad-input',
      `${modelA.path} and ${modelB.path} tokenize the text differently: the bisector compares two variants of one model (the same tokenizer).`,
    );
  const sessionsA = bisectSessions(modelA);
  const sessionsB = bisectSessions(modelB);
  try {
    const greedy = await decode(
      modelA,
      sessionsA,
      { text: options.text, maxNewTokens, taps: false, lens: false, sampling: defaultSampling },
      context,
    );
    if (greedy.generated.length === 0) throw new DecoderLensError('bad-input', `${modelA.path} generates nothing for this text.`);
    const fed = greedy.positions.map((p) => p.id);
    const tokens = greedy.generated.map((g) => ({ id: g.id, text: g.text }));
    const first = fed.length - tokens.length;
    const runA = await forward(modelA, sessionsA, { ids: fed, batch: 1, taps: true });
    const runB = await forward(modelB, sessionsB, { ids: fed, batch: 1, taps: true });
    const scoreA = score(runA, first, tokens);
    const scoreB = score(runB, first, tokens);
    if (scoreA.vocab !== scoreB.vocab)
      throw new DecoderLensError(
        'bad-input',
        `A has ${scoreA.vocab} logits per position and B ${scoreB.vocab}: not two variants of one model.`,
      );
    const matchesAt = (s: { probs: number[]; argmax: number[] }, k: number) =>
      s.argmax[k] === tokens[k].id && Math.abs(s.probs[k] - scoreA.probs[k]) <= tolerance;
    const matches = (s: { probs: number[]; argmax: number[] }) => tokens.every((_, k) => matchesAt(s, k));
    // The step shown: the first where B picks another token, else the largest |Δp| beyond the tolerance.
    const gap = (k: number) => Math.abs(scoreB.probs[k] - scoreA.probs[k]);
    let departed = tokens.findIndex((t, k) => scoreB.argmax[k] !== t.id);
    if (departed < 0) {
      const worst = tokens.reduce((w, _, k) => (gap(k) > gap(w) ? k : w), 0);
      departed = gap(worst) > tolerance ? worst : -1;
    }
    const hiddenA = byLayer(runA, 'hidden');
    const hiddenB = byLayer(runB, 'hidden');
    const patches = runB.session.hooks.patches.filter((p) => !p.encoder);
    if (hiddenA.size !== hiddenB.size)
      throw new DecoderLensError(
        'bad-input',
        `${runA.session.file} has ${hiddenA.size} readable layers and ${runB.session.file} ${hiddenB.size}: the layers cannot be matched (not two variants of one model?).`,
      );
    if (patches.length !== hiddenA.size)
      throw new DecoderLensError(
        'unsupported',
        `A's residual stream cannot be spliced into ${runB.session.file}: the patch hook could be placed after ${patches.length} of its ${hiddenB.size} blocks (a fused graph, e.g. ONNX Runtime's SkipLayerNormalization, can hide where a block ends). Use B's unoptimized export.`,
        runB.session.file,
      );
    const lensA = await lensProbs(modelA, fed, first, tokens);
    const lensB = await lensProbs(modelB, fed, first, tokens);
    const lensStep = (a: number[], b: number[]) =>
      departed >= 0 ? departed : a.reduce((w, _, k) => (Math.abs(b[k] - a[k]) > Math.abs(b[w] - a[w]) ? k : w), 0);
    const attentionA = byLayer(runA, 'attention');
    const attentionB = byLayer(runB, 'attention');
    const layers: BisectLayer[] = [];
    for (const patch of patches) {
      await checkpoint(context.signal);
      const a = hiddenA.get(patch.layer);
      if (!a) throw new DecoderLensError('unsupported', `The residual stream of A's layer ${patch.layer} could not be read.`);
      const b = hiddenB.get(patch.layer);
      const valuesA = floatData(a, `hidden ${patch.layer}`);
      const T = fed.length;
      const width = valuesA.length / T;
      sessionsB.feeds = {
        [patch.mask]: new ort.Tensor('bool', new Uint8Array(T).fill(1), [1, T, 1]),
        [patch.value]: new ort.Tensor('float32', Float32Array.from(valuesA), [1, T, width]),
      };
      const spliced = score(await forward(modelB, sessionsB, { ids: fed, batch: 1, taps: false }), first, tokens);
      sessionsB.feeds = {};
      const pa = attentionA.get(patch.layer);
      const pb = attentionB.get(patch.layer);
      const la = 'layers' in lensA ? (lensA.layers.get(patch.layer) ?? null) : null;
      const lb = 'layers' in lensB ? (lensB.layers.get(patch.layer) ?? null) : null;
      layers.push({
        layer: patch.layer,
        residualError: b ? relativeL2(valuesA, floatData(b, `hidden ${patch.layer}`)) : null,
        attentionJsd: pa && pb ? meanJsd(pa, pb) : null,
        lensA: la,
        lensB: lb,
        lensDelta: la && lb ? lb[lensStep(la, lb)] - la[lensStep(la, lb)] : null,
        splicedProbs: spliced.probs,
        splicedArgmax: spliced.argmax,
        restores: departed >= 0 ? matchesAt(spliced, departed) : matches(spliced),
        matchesEverywhere: matches(spliced),
      });
      context.onStep?.(layers.length, patches.length);
    }
    const text = (id: number) => modelA.tokenizer.tokenText(id);
    const divergence =
      departed < 0
        ? null
        : {
            step: departed,
            token: tokens[departed],
            probA: scoreA.probs[departed],
            probB: scoreB.probs[departed],
            argmaxB: { id: scoreB.argmax[departed], text: text(scoreB.argmax[departed]) },
          };
    const restoredAfter = divergence ? (layers.find((l) => l.restores)?.layer ?? null) : null;
    return {
      a: { path: modelA.path, file: runA.session.file },
      b: { path: modelB.path, file: runB.session.file },
      tolerance,
      fed,
      tokens,
      probsA: scoreA.probs,
      probsB: scoreB.probs,
      argmaxB: scoreB.argmax,
      divergence,
      layers,
      lensUnavailable: 'unavailable' in lensA ? `A: ${lensA.unavailable}` : 'unavailable' in lensB ? `B: ${lensB.unavailable}` : null,
      restoredAfter,
      verdict: verdictLine(divergence, restoredAfter, layers, scoreA.probs, scoreB.probs),
    };
  } finally {
    await sessionsA.clear();
    await sessionsB.clear();
  }
}

function verdictLine(
  d: BisectReport['divergence'],
  restoredAfter: number | null,
  layers: BisectLayer[],
  probsA: number[],
  probsB: number[],
): string {
  if (!d) {
    const worst = Math.max(0, ...probsA.map((p, k) => Math.abs(p - probsB[k])));
    return `no divergence: B picks A's token at every step (largest |Δp| ${worst.toFixed(4)})`;
  }
  const change =
    `p(${JSON.stringify(d.token.text)}) ${d.probA.toFixed(2)} → ${d.probB.toFixed(2)} in B at step ${d.step}` +
    (d.argmaxB.id !== d.token.id ? ` (B picks ${JSON.stringify(d.argmaxB.text)})` : '');
  if (restoredAfter === null) {
    const last = layers[layers.length - 1]?.layer;
    return `${change}; no layer's residual from A restores it: the difference is after the last block (layer ${last}): the final norm or the unembedding`;
  }
  return `layer ${restoredAfter}: ${change}; A's residual after layer ${restoredAfter} restores it`;
}

/**
 * The logit lens of one model on the fed tokens (the decode loop's lens graph, every row): per lens layer, p(A's
 * token) at each scored step. Row r's "next" probability is that of the token fed at r + 1; the last row's comes
 * from its full distribution.
 */
async function lensProbs(
  model: OpenedModel,
  ids: number[],
  first: number,
  tokens: { id: number }[],
): Promise<{ layers: Map<number, number[]> } | { unavailable: string }> {
  const cache = new SessionCache();
  try {
    // forward() only opens and runs sessions: the ordinary cache with the lens nodes serves it.
    const lensSessions = { open: (file: string, o: { taps: boolean }) => cache.open(file, { ...o, lens: { rows: 'all', k: 1 } }) };
    const run = await forward(model, lensSessions as unknown as HookedSessions, { ids, batch: 1, taps: false });
    const graph = run.session.lens?.graph;
    const next = graph?.outputs.nextProbs ? run.outputs[graph.outputs.nextProbs] : undefined;
    const last = graph ? run.outputs[graph.outputs.lastProbs] : undefined;
    if (!graph || !next || !last)
      return { unavailable: run.session.lens?.unavailable ?? 'the logit lens could not be built for this graph' };
    const nextValues = numbersOf(next);
    const lastValues = numbersOf(last);
    const T = ids.length;
    const V = last.dims[last.dims.length - 1];
    const layers = new Map<number, number[]>();
    graph.layers.forEach((layer, l) =>
      layers.set(
        layer,
        tokens.map((t, k) => (first + k < T - 1 ? nextValues[l * (T - 1) + first + k] : lastValues[l * V + t.id])),
      ),
    );
    return { layers };
  } catch (error) {
    if (error instanceof DecoderLensError) return { unavailable: error.message };
    throw error;
  } finally {
    await cache.clear();
  }
}

/** p(A's token) and the argmax at each scored row (rows `first`, `first + 1`, …). */
function score(run: ForwardResult, first: number, tokens: { id: number }[]): { probs: number[]; argmax: number[]; vocab: number } {
  const logits = run.outputs.logits;
  if (!logits) throw new DecoderLensError('unsupported', `${run.session.file} has no "logits" output.`, run.session.file);
  const data = floatData(logits, 'logits');
  const vocab = logits.dims[logits.dims.length - 1];
  const probs: number[] = [];
  const argmax: number[] = [];
  tokens.forEach((t, k) => {
    const row = data.subarray((first + k) * vocab, (first + k + 1) * vocab);
    let best = 0;
    for (let i = 1; i < vocab; i++) if (row[i] > row[best]) best = i;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - row[best]);
    probs.push(Math.exp(row[t.id] - row[best]) / sum);
    argmax.push(best);
  });
  return { probs, argmax, vocab };
}

/** The decoder's self-attention or hidden-state outputs of a pass, by layer. */
function byLayer(run: ForwardResult, tap: 'hidden' | 'attention'): Map<number, ort.Tensor> {
  const out = new Map<number, ort.Tensor>();
  for (const t of run.session.taps)
    if (t.tap === tap && (tap === 'hidden' || t.kind === 'self') && run.outputs[t.output]) out.set(t.layer, run.outputs[t.output]);
  return out;
}

function relativeL2(a: Float32Array, b: Float32Array): number | null {
  if (a.length !== b.length) return null;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (b[i] - a[i]) ** 2;
    den += a[i] ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : null;
}

/** Mean JSD over every [head, query] row of two [1, heads, q, k] attention tensors of the same shape. */
function meanJsd(a: ort.Tensor, b: ort.Tensor): number | null {
  if (a.dims.join('x') !== b.dims.join('x')) return null;
  const keys = a.dims[a.dims.length - 1];
  const x = floatData(a, 'attention A');
  const y = floatData(b, 'attention B');
  let sum = 0;
  let rows = 0;
  for (let at = 0; at + keys <= x.length; at += keys) {
    const d = jsd(x, at, y, at, keys);
    if (Number.isFinite(d)) {
      sum += d;
      rows++;
    }
  }
  return rows > 0 ? sum / rows : null;
}
