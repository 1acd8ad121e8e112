// Head ablation: decode with chosen heads' outputs replaced, through the hooks (hooks.ts) and the ordinary decode
// loop. 'zero': gate 0. 'mean': gate 0 plus the head's mean output over the prompt positions of the unablated
// run of the same prompt (decoder-only: the prompt tokens; encoder-decoder decoder heads: the decoder positions
// of the unablated greedy run; encoder heads: the source tokens), fed as the additive hook input.
import * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../errors';
import { decode, type DecodeContext, type DecodeOptions, type OpenedModel } from '../decode';
import type { Trace, TraceAblation } from '../trace/types';
import { floatData } from '../decode/tensors';
import { forward } from './forward';
import type { HeadHook, HookKind } from './hooks';
import { HookedSessions } from './sessions';

export type AblationMode = 'zero' | 'mean';

export interface HeadRef {
  layer: number;
  head: number;
  /** Default 'self'. */
  kind?: HookKind;
}

export interface AblateOptions extends Partial<DecodeOptions> {
  text: string;
  heads: HeadRef[];
  mode: AblationMode;
}

/** Sessions for ablation runs on this model (mean ablation needs the head outputs as graph outputs). */
export function ablationSessions(model: OpenedModel, mode: AblationMode): HookedSessions {
  return new HookedSessions({ fallbackHeads: model.config.heads ?? null, exposeHeadOutputs: mode === 'mean', residualPatches: false });
}

/**
 * Decodes `options.text` with `options.heads` ablated and returns the trace, which records what was ablated.
 * `sessions`: from ablationSessions (kept by the caller to reuse across runs); null makes and releases its own.
 */
export async function ablate(
  model: OpenedModel,
  sessions: HookedSessions | null,
  options: AblateOptions,
  context: DecodeContext = {},
): Promise<Trace> {
  const own = sessions === null;
  const source = sessions ?? ablationSessions(model, options.mode);
  if (options.mode !== 'zero' && options.mode !== 'mean')
    throw new DecoderLensError('bad-input', `Ablation mode "${String(options.mode)}": expected zero or mean.`);
  if (options.mode === 'mean' && !source.options.exposeHeadOutputs)
    throw new DecoderLensError('bad-input', 'Mean ablation needs sessions made by ablationSessions(model, "mean").');
  const { heads: _heads, mode: _mode, ...rest } = options;
  const decodeParts: Partial<DecodeOptions> & { text: string } = { ...rest, lens: false };
  try {
    source.feeds = {};
    const hooks = await hooksOf(model, source, decodeParts.taps ?? true);
    const heads = options.heads.map((h) => ({ ...h, kind: h.kind ?? 'self' }));
    checkHeads(heads, hooks, model);
    const means = options.mode === 'mean' ? await meanOutputs(model, source, decodeParts, heads, hooks, context) : null;
    source.feeds = ablationFeeds(heads, hooks, means);
    const trace = await decode(model, source, decodeParts, context);
    const ablation: TraceAblation = {
      mode: options.mode,
      heads: heads.map(({ layer, head, kind }) => ({ layer, head, kind })),
      ...(means ? { meanOver: meanOver(model) } : {}),
    };
    return { ...trace, ablation };
  } finally {
    source.feeds = {};
    if (own) await source.clear();
  }
}

function meanOver(model: OpenedModel): string {
  return model.layout.architecture === 'encoder-decoder'
    ? 'decoder heads: the decoder positions of the unablated greedy run; encoder heads: the source tokens'
    : 'the prompt positions of the unablated run';
}

/** Every head hook of the files a decode uses (encoder file included). */
async function hooksOf(model: OpenedModel, sessions: HookedSessions, taps: boolean): Promise<HeadHook[]> {
  const all: HeadHook[] = [];
  for (const f of model.layout.files) {
    if (f.role === 'decoder-with-past') continue; // the same layers as the plain decoder
    const s = await sessions.open(f.path, { taps });
    for (const h of s.hooks.heads) if (!all.some((a) => a.kind === h.kind && a.layer === h.layer)) all.push(h);
  }
  return all;
}

function checkHeads(heads: Required<HeadRef>[], hooks: HeadHook[], model: OpenedModel): void {
  if (heads.length === 0) throw new DecoderLensError('bad-input', 'No heads to ablate: give at least one layer.head.');
  for (const h of heads) {
    const hook = hooks.find((k) => k.kind === h.kind && k.layer === h.layer);
    if (!hook) {
      const layers = [...new Set(hooks.filter((k) => k.kind === h.kind).map((k) => k.layer))];
      throw new DecoderLensError(
        'bad-input',
        layers.length
          ? `Layer ${h.layer} has no ${h.kind} attention to ablate in ${model.path}: its ${h.kind} attention layers are ${layers.join(', ')} (counted from 0).`
          : `${model.path} has no ${h.kind} attention Decoder Lens can ablate.`,
      );
    }
    if (!Number.isInteger(h.head) || h.head < 0 || h.head >= hook.heads)
      throw new DecoderLensError('bad-input', `Head ${h.head} of ${h.kind} layer ${h.layer}: the layer has heads 0 to ${hook.heads - 1}.`);
  }
}

/** Per ablated (kind, layer): each head's mean output [heads, headDim] over the unablated run's positions. */
async function meanOutputs(
  model: OpenedModel,
  sessions: HookedSessions,
  options: Partial<DecodeOptions> & { text: string },
  heads: Required<HeadRef>[],
  hooks: HeadHook[],
  context: DecodeContext,
): Promise<Map<string, { data: Float32Array; headDim: number }>> {
  const taps = options.taps ?? true;
  const prompt = model.tokenizer.encode(options.text, { addSpecialTokens: true }).map((t) => t.id);
  let ids = prompt;
  let sourceIds: number[] | undefined;
  if (model.layout.architecture === 'encoder-decoder') {
    // The decoder's positions come from the unablated greedy run.
    const unablated = await decode(model, sessions, { ...options, taps: false }, context);
    ids = unablated.positions.map((p) => p.id);
    sourceIds = prompt;
  } else if (ids.length === 0 && model.tokenizer.bosId !== null) ids = [model.tokenizer.bosId];
  const pass = await forward(model, sessions, { ids, source: sourceIds, batch: 1, taps });
  const means = new Map<string, { data: Float32Array; headDim: number }>();
  for (const key of new Set(heads.map((h) => `${h.kind}.${h.layer}`))) {
    const hook = hooks.find((k) => `${k.kind}.${k.layer}` === key)!;
    const outputs = hook.kind === 'encoder' ? pass.encoder?.outputs : pass.outputs;
    const tensor = hook.output ? outputs?.[hook.output] : undefined;
    if (!tensor || (tensor.dims.length !== 4 && tensor.dims.length !== 3))
      throw new DecoderLensError(
        'unsupported',
        `The head outputs of ${hook.kind} layer ${hook.layer} could not be read for mean ablation.`,
      );
    // [1, heads, q, d], [1, q, heads, d] (fused ops), or [heads, q, d] (exports that keep heads in the batch axis; batch 1 here).
    const dims = tensor.dims.length === 3 ? [1, ...tensor.dims] : tensor.dims;
    const headsFirst = hook.layout === 'heads-first';
    const [H, Q] = headsFirst ? [dims[1], dims[2]] : [dims[2], dims[1]];
    const D = dims[3];
    const data = floatData(tensor, hook.output ?? 'head outputs');
    const at = (h: number, q: number) => (headsFirst ? (h * Q + q) * D : (q * H + h) * D);
    const mean = new Float32Array(H * D);
    for (let h = 0; h < H; h++)
      for (let d = 0; d < D; d++) {
        let sum = 0;
        for (let q = 0; q < Q; q++) sum += data[at(h, q) + d];
        mean[h * D + d] = sum / Q;
      }
    means.set(key, { data: mean, headDim: D });
  }
  return means;
}

/** The hook inputs for these heads: gate 0 where ablated (1 elsewhere), and the mean output where asked. */
export function ablationFeeds(
  heads: Required<HeadRef>[],
  hooks: HeadHook[],
  means: Map<string, { data: Float32Array; headDim: number }> | null,
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const key of new Set(heads.map((h) => `${h.kind}.${h.layer}`))) {
    const hook = hooks.find((k) => `${k.kind}.${k.layer}` === key)!;
    const chosen = heads.filter((h) => `${h.kind}.${h.layer}` === key).map((h) => h.head);
    const gate = new Float32Array(hook.heads).fill(1);
    for (const h of chosen) gate[h] = 0;
    feeds[hook.gate] = new ort.Tensor('float32', gate, [1, hook.heads]);
    const mean = means?.get(key);
    if (mean) {
      const values = new Float32Array(hook.heads * mean.headDim);
      for (const h of chosen) values.set(mean.data.subarray(h * mean.headDim, (h + 1) * mean.headDim), h * mean.headDim);
      feeds[hook.mean] = new ort.Tensor('float32', values, [1, hook.heads, mean.headDim]);
    }
  }
  return feeds;
}
