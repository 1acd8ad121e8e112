// Activation patching (decoder-only): the clean prompt's residual stream after block L at position p is written
// into the run of a corrupted prompt of the same token length, through the residual patch hooks (hooks.ts), and
// the clean run's next token is scored at the last position. One batched run per layer and `batch` positions.
import * as ort from 'onnxruntime-node';
import { checkpoint, DecoderLensError } from '../errors';
import type { DecodeContext, OpenedModel } from '../decode';
import { floatData } from '../decode/tensors';
import { forward } from './forward';
import { lastRowProbs } from './probs';
import { HookedSessions } from './sessions';

export interface PatchOptions {
  cleanText: string;
  corruptText: string;
  /** Positions patched per run (default 16). */
  batch?: number;
}

export interface PatchSweep {
  /** The clean run's most likely next token, the one scored. */
  target: { id: number; text: string };
  cleanProb: number;
  corruptProb: number;
  cleanIds: number[];
  corruptIds: number[];
  layers: number[];
  /** [layer][position]: p(target) with that layer's clean residual at that position patched in. */
  probs: Float32Array;
  /** [layer][position]: (p − corruptProb) / (cleanProb − corruptProb), how much of the clean probability comes back. */
  recovered: Float32Array;
}

/** Sessions for patching: the residual patch hooks, hidden-state taps (the clean residual), last-row logits. */
export function patchSessions(model: OpenedModel): HookedSessions {
  return new HookedSessions({ fallbackHeads: model.config.heads ?? null, residualPatches: true, lastRowLogits: true });
}

export async function patchSweep(
  model: OpenedModel,
  sessions: HookedSessions | null,
  options: PatchOptions,
  context: DecodeContext = {},
): Promise<PatchSweep> {
  if (model.layout.architecture !== 'decoder-only')
    throw new DecoderLensError('unsupported', 'Activation patching is available for decoder-only models so far.');
  const batch = options.batch ?? 16;
  if (!Number.isInteger(batch) || batch < 1) throw new DecoderLensError('bad-input', `batch ${batch}: expected a whole number ≥ 1.`);
  const encode = (text: string) => model.tokenizer.encode(text, { addSpecialTokens: true }).map((t) => t.id);
  const cleanIds = encode(options.cleanText);
  const corruptIds = encode(options.corruptText);
  if (cleanIds.length === 0 || cleanIds.length !== corruptIds.length)
    throw new DecoderLensError(
      'bad-input',
      `The clean text is ${cleanIds.length} tokens and the corrupted text ${corruptIds.length}: patching needs two non-empty inputs of the same token length.`,
    );
  const own = sessions === null;
  const source = sessions ?? patchSessions(model);
  try {
    source.feeds = {};
    const clean = await forward(model, source, { ids: cleanIds, batch: 1, taps: true });
    const cleanLogits = floatData(clean.outputs.logits, 'logits');
    const vocab = clean.outputs.logits.dims[clean.outputs.logits.dims.length - 1];
    const lastRow = cleanLogits.subarray(cleanLogits.length - vocab);
    let target = 0;
    for (let i = 1; i < vocab; i++) if (lastRow[i] > lastRow[target]) target = i;
    const cleanProb = lastRowProbs(clean.outputs.logits, 1, target)[0];
    const corruptProb = lastRowProbs(
      (await forward(model, source, { ids: corruptIds, batch: 1, taps: false })).outputs.logits,
      1,
      target,
    )[0];
    const patches = clean.session.hooks.patches;
    const T = cleanIds.length;
    const probs = new Float32Array(patches.length * T);
    for (const [l, patch] of patches.entries()) {
      const tap = clean.session.taps.find((t) => t.tap === 'hidden' && t.layer === patch.layer);
      const residual = tap ? clean.outputs[tap.output] : undefined;
      if (!residual) throw new DecoderLensError('unsupported', `The residual stream of layer ${patch.layer} could not be read.`);
      const values = floatData(residual, tap!.output);
      const width = residual.dims[residual.dims.length - 1];
      for (let start = 0; start < T; start += batch) {
        await checkpoint(context.signal);
        const B = Math.min(batch, T - start);
        const mask = new Uint8Array(B * T);
        const value = new Float32Array(B * T * width);
        for (let b = 0; b < B; b++) {
          mask[b * T + start + b] = 1;
          value.set(values.subarray(0, T * width), b * T * width);
        }
        source.feeds = {
          [patch.mask]: new ort.Tensor('bool', mask, [B, T, 1]),
          [patch.value]: new ort.Tensor('float32', value, [B, T, width]),
        };
        const run = await forward(model, source, { ids: corruptIds, batch: B, taps: false });
        source.feeds = {};
        probs.set(lastRowProbs(run.outputs.logits, B, target), l * T + start);
        context.onStep?.(l * T + start + B, patches.length * T);
      }
    }
    const span = cleanProb - corruptProb;
    return {
      target: { id: target, text: model.tokenizer.tokenText(target) },
      cleanProb,
      corruptProb,
      cleanIds,
      corruptIds,
      layers: patches.map((p) => p.layer),
      probs,
      recovered: probs.map((p) => (span !== 0 ? (p - corruptProb) / span : NaN)),
    };
  } finally {
    source.feeds = {};
    if (own) await source.clear();
  }
}
