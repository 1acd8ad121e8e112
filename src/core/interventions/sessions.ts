// Sessions over the hooked graph (hooks.ts) that the ordinary decode loop can use unchanged: each session's
// run() adds the hook inputs — the current intervention's tensors, identity for the rest — and its inputNames
// hide them, so the loop feeds and checks the model's own inputs only.
import * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../errors';
import { externalDataOptions, fileStamp, runsOnlyWhileUnchanged, SESSION_OPTIONS, sessionTaps } from '../decode/sessionCache';
import type { DecodeSession, SessionOptions, SessionSource } from '../decode/session';
import { TOP_K_SHOWN } from '../decode/steps';
import { logitSummaryAppendix, SUMMARY_OUTPUTS } from '../lens/summary';
import { buildTappedModel, type TapReport } from '../onnx';
import { type HookPlan, HOOK_PREFIX, planHooks } from './hooks';

export interface HookedSession extends DecodeSession {
  hooks: HookPlan;
}

/** Hook inputs to feed instead of their identity, by input name (see hooks.ts for the names and shapes). */
export type HookFeeds = Record<string, ort.Tensor>;

export interface HookedSessionOptions {
  /** Head count when the graph does not give it (config.json's num_attention_heads). */
  fallbackHeads: number | null;
  /** Also return each hooked layer's head outputs (for mean ablation). */
  exposeHeadOutputs?: boolean;
  /**
   * The residual-stream patch hooks (default true). Runs that do not patch can leave them out: a Where after the
   * block keeps ONNX Runtime from fusing the residual Add into the next SkipLayerNormalization, which rounds differently.
   */
  residualPatches?: boolean;
  /** Logits of the last position only ([batch, 1, vocab]): for passes that score the next token (head ranking). */
  lastRowLogits?: boolean;
  /** Called after every run with what was fed (hook inputs included) and returned. */
  onRun?: (session: HookedSession, feeds: Record<string, ort.Tensor>, outputs: Record<string, ort.Tensor>) => void;
}

export class HookedSessions implements SessionSource {
  /** What the next runs feed to the hooks; anything not named here is identity. */
  feeds: HookFeeds = {};
  private readonly cache = new Map<string, Promise<HookedSession>>();

  constructor(readonly options: HookedSessionOptions) {}

  /** The session of `file` with the hooks (and the taps when asked). The logit lens is not built into these sessions. */
  open(file: string, options: SessionOptions): Promise<HookedSession> {
    const providers = options.executionProviders?.length ? options.executionProviders : ['cpu'];
    const key = `${options.taps ? 'tapped' : 'plain'}:${providers.join(',')}:${file}`;
    let session = this.cache.get(key);
    if (!session) {
      session = this.create(file, options.taps, providers);
      session.catch(() => this.cache.delete(key));
      this.cache.set(key, session);
    }
    return session;
  }

  async clear(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    for (const s of all) await (await s.catch(() => null))?.session.release();
  }

  private async create(file: string, taps: boolean, executionProviders: string[]): Promise<HookedSession> {
    let hooks: HookPlan | undefined;
    let float32Logits = false;
    const stamp = fileStamp(file);
    const tapped = await buildTappedModel(
      file,
      taps ? {} : { attention: 'none', masks: 'none', hidden: 'none' },
      // The in-graph logit summary only for float32 logits: the decode loop reads its outputs as float32.
      (report: TapReport) => [hooks!.appendix, ...(report.logits === 'logits' && float32Logits ? [logitSummaryAppendix(TOP_K_SHOWN)] : [])],
      (plan, report, model) => {
        float32Logits = model.graph.outputs.some((o) => o.name === report.logits && o.elemType === 'float32');
        hooks = planHooks(model, report, plan, {
          fallbackHeads: this.options.fallbackHeads,
          exposeHeadOutputs: this.options.exposeHeadOutputs ?? false,
          lastRowLogits: this.options.lastRowLogits ?? false,
          residualPatches: this.options.residualPatches ?? true,
        });
      },
      // ONNX Runtime reads the weights from the model file itself, as the decode's sessions do: no copy in memory.
      { weights: 'referenced' },
    );
    let inner: ort.InferenceSession;
    try {
      inner = await ort.InferenceSession.create(tapped.bytes, {
        ...SESSION_OPTIONS,
        executionProviders,
        ...externalDataOptions(tapped.externalDataDir),
      });
    } catch (error) {
      throw new DecoderLensError(
        'bad-model',
        `ONNX Runtime could not load ${file} with the intervention hooks: ${(error as Error).message}`,
        file,
      );
    }
    if (tapped.externalDataDir) inner = runsOnlyWhileUnchanged(file, stamp, inner);
    const plan = hooks!;
    const hooked: HookedSession = {
      file,
      session: inner,
      hooks: plan,
      taps: sessionTaps(tapped.outputs.filter((o) => !o.id.startsWith('head_out.'))),
      unavailable: [...(tapped.unavailable ?? []), ...plan.unavailable],
      summary: inner.outputNames.includes(SUMMARY_OUTPUTS.topIds),
    };
    hooked.session = this.wrap(hooked, inner);
    return hooked;
  }

  /** The ORT session as the decode loop sees it: hook inputs hidden from inputNames and added to every run. */
  private wrap(hooked: HookedSession, inner: ort.InferenceSession): ort.InferenceSession {
    const inputNames = inner.inputNames.filter((n) => !n.startsWith(HOOK_PREFIX));
    const run = async (feeds: Record<string, ort.Tensor>, ...rest: unknown[]) => {
      const all = { ...feeds, ...this.hookFeeds(hooked.hooks, feeds) };
      const outputs = (await (inner.run as (...a: unknown[]) => Promise<Record<string, ort.Tensor>>).call(inner, all, ...rest)) as Record<
        string,
        ort.Tensor
      >;
      this.options.onRun?.(hooked, all, outputs);
      return outputs;
    };
    return new Proxy(inner, {
      get(target, prop) {
        if (prop === 'inputNames') return inputNames;
        if (prop === 'run') return run;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Every hook input: the one set in `feeds`, else identity (gate 1, mean 0, no patch) for this batch. */
  private hookFeeds(hooks: HookPlan, feeds: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
    const batch = feeds.input_ids?.dims[0] ?? 1;
    const out: Record<string, ort.Tensor> = {};
    for (const h of hooks.heads) {
      out[h.gate] = this.feeds[h.gate] ?? new ort.Tensor('float32', new Float32Array(batch * h.heads).fill(1), [batch, h.heads]);
      const d = h.headDim ?? 1;
      out[h.mean] = this.feeds[h.mean] ?? new ort.Tensor('float32', new Float32Array(batch * h.heads * d), [batch, h.heads, d]);
    }
    for (const p of hooks.patches) {
      out[p.mask] = this.feeds[p.mask] ?? new ort.Tensor('bool', new Uint8Array(1), [1, 1, 1]);
      out[p.value] = this.feeds[p.value] ?? new ort.Tensor('float32', new Float32Array(1), [1, 1, 1]);
    }
    return out;
  }
}
