import { statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../errors';
import { buildLensModel, findModelLens, lensHeadInfo } from '../lens/model';
import type { LensHead } from '../lens/head';
import type { LensRunner, LensSessionInfo } from '../lens/recorder';
import { buildStandaloneLens } from '../lens/standalone';
import type { ElemType } from '../onnx/types';
import { logitSummaryAppendix, SUMMARY_OUTPUTS } from '../lens/summary';
import { TOP_K_SHOWN } from './steps';
import type { LensGraphOptions } from '../lens/graph';
import { buildTappedModel, findTaps, type ModelInfo, type TapOutput, type TapReport, type TapSelection } from '../onnx';
import type { Planner } from '../onnx/planner';
import { COMPACT_K_INPUT, compactAppendix, exposedName, type CompactOutputs } from '../onnx/compact';
import { readModel } from '../onnx/reader';
import type { DecodeSession, SessionOptions, SessionSource } from './session';

interface Entry {
  stamp: string;
  session: Promise<DecodeSession>;
}

/** No taps: the model's own graph, its weights referenced in the file. */
const NO_TAPS: TapSelection = { attention: 'none', masks: 'none', hidden: 'none' };

export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', logSeverityLevel: 3 };

/**
 * A compact (long-context) session runs a chunked prefill whose shapes change every run (the keys grow): ORT's
 * CPU arena would keep a block of every size it ever served, so these sessions allocate without it.
 */
const COMPACT_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { enableCpuMemArena: false, enableMemPattern: false };

/**
 * ONNX Runtime sessions, tapped or plain, cached per model file and dropped when the file changes on disk
 * (size or mtime): a model re-exported between runs is reloaded, never served stale.
 */
export class SessionCache implements SessionSource {
  private readonly entries = new Map<string, Entry>();

  open(file: string, options: SessionOptions): Promise<DecodeSession> {
    const providers = options.executionProviders?.length ? options.executionProviders : ['cpu'];
    const lens = options.lens ? `:lens-${options.lens.rows}-${options.lens.k}` : options.lensRows ? ':lens-rows' : '';
    const compact = !!(options.taps && options.compact);
    const key = `${options.taps ? 'tapped' : 'plain'}${lens}${compact ? ':compact' : ''}:${providers.join(',')}:${file}`;
    return this.cached(key, file, () =>
      options.lens
        ? createLensSession(file, options.taps, providers, options.lens, compact)
        : options.lensRows
          ? this.createLensRowsSession(file, options.taps, providers, compact)
          : createSession(file, options.taps, providers, {}, compact),
    );
  }

  /** The entry under `key` while the file is unchanged, else a new one from `create`. */
  private cached<T extends { session: ort.InferenceSession }>(key: string, file: string, create: () => Promise<T>): Promise<T> {
    const stamp = fileStamp(file);
    const cached = this.entries.get(key);
    if (cached && cached.stamp === stamp) return cached.session as Promise<unknown> as Promise<T>;
    if (cached) void release(cached);
    const session = create().catch((error: unknown) => {
      this.entries.delete(key);
      throw error;
    });
    this.entries.set(key, { stamp, session: session as Promise<unknown> as Promise<DecodeSession> });
    return session;
  }

  /**
   * A decode session that returns every lens layer's hidden state (the usual taps when asked for, else those
   * alone), and the standalone lens that reads them after the decode, opened on first use and cached here too.
   */
  private async createLensRowsSession(file: string, taps: boolean, providers: string[], compact: boolean): Promise<DecodeSession> {
    const found = await findModelLens(file);
    const { head } = found;
    if (!head)
      return {
        ...(await createSession(file, taps, providers, {}, compact)),
        lens: { graph: null, head: null, unavailable: found.unavailable },
      };
    const hiddenOnly = { attention: 'none' as const, masks: 'none' as const, hidden: head.layers.map((l) => l.id) };
    // With taps, the tapped session already returns every hidden state: the same session serves decodes with and
    // without the lens (one copy of the model in memory, not two).
    const session = taps
      ? await this.open(file, { taps: true, executionProviders: providers, ...(compact ? { compact } : {}) })
      : await createSession(file, true, providers, hiddenOnly);
    const outputs = new Map(session.taps.filter((t) => t.tap === 'hidden').map((t) => [t.layer, t.output]));
    const missing = head.layers.filter((l) => !outputs.has(l.layer)).map((l) => l.layer);
    const lens: LensSessionInfo = missing.length
      ? {
          graph: null,
          head: null,
          unavailable: `The logit lens cannot run on ${file}: the hidden state of layer ${missing.join(', ')} could not be returned${session.unavailable[0] ? ` (${session.unavailable[0].reason})` : ''}.`,
        }
      : {
          graph: null,
          head: lensHeadInfo(head),
          unavailable: null,
          rows: {
            layers: head.layers.map((l) => ({ layer: l.layer, output: outputs.get(l.layer)! })),
            open: (hiddenType) =>
              this.cached(`standalone-lens:${hiddenType}:${providers.join(',')}:${file}`, file, () =>
                createStandaloneLens(found.model, head, hiddenType, providers),
              ),
          },
        };
    // Without taps, the hidden states are only the lens's inputs: not reported as taps.
    return { ...session, ...(taps ? {} : { taps: [], unavailable: [] }), lens };
  }

  get size(): number {
    return this.entries.size;
  }

  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(release));
  }
}

async function createSession(
  file: string,
  taps: boolean,
  executionProviders: string[],
  selection: TapSelection = {},
  compact = false,
): Promise<DecodeSession> {
  const options = { ...SESSION_OPTIONS, executionProviders, ...(compact ? COMPACT_SESSION_OPTIONS : {}) };
  try {
    let tapped;
    const stamp = fileStamp(file);
    let opset = 0;
    const appendix = compactAppender(() => opset, compact);
    try {
      // The weights stay in the file (onnx/referenced.ts): ONNX Runtime maps or reads them, JS never holds a copy.
      // Without taps the graph is the file's own, unchanged (ORT loading the path itself would parse a copy of it).
      // Compact: the probabilities and masks are not made graph outputs (ORT keeps every graph output alive to the
      // end of a run, fetched or not); the compaction nodes read them where they are (compactAppender.sources).
      tapped = await buildTappedModel(
        file,
        !taps ? NO_TAPS : compact ? { ...selection, attention: 'none', masks: 'none' } : selection,
        taps ? (report, outputs) => [...withSummary(report), ...appendix.append(report, outputs)] : () => [],
        (plan, report, model) => {
          opset = modelOpset(model);
          if (compact) appendix.sources(plan, report);
        },
        { weights: 'referenced' },
      );
    } catch (error) {
      // A model with nothing to tap still decodes; the trace says why nothing was captured.
      if (!(error instanceof DecoderLensError) || error.code !== 'unsupported') throw error;
      return {
        file,
        session: await ort.InferenceSession.create(file, options),
        taps: [],
        unavailable: taps ? [{ node: file, reason: error.message }] : [],
      };
    }
    const created = await ort.InferenceSession.create(tapped.bytes, { ...options, ...externalDataOptions(tapped.externalDataDir) });
    const session = tapped.externalDataDir ? runsOnlyWhileUnchanged(file, stamp, created) : created;
    if (!taps) return { file, session, taps: [], unavailable: [] };
    return {
      file,
      session,
      summary: hasSummary(session),
      taps: [...sessionTaps(tapped.outputs), ...appendix.bindings()],
      unavailable: tapped.unavailable ?? [],
      ...appendix.session(session, tapped.outputs),
    };
  } catch (error) {
    if (error instanceof DecoderLensError) throw error;
    const providers = executionProviders.join(', ');
    const hint = executionProviders.some((p) => p !== 'cpu')
      ? ` (execution providers: ${providers}; set decoderLens.executionProviders to ["cpu"] if this machine lacks them)`
      : '';
    throw new DecoderLensError('bad-model', `ONNX Runtime could not load ${file}${hint}: ${(error as Error).message}`, file);
  }
}

/** A session whose graph also computes the lens (plus the usual taps when asked); a model without a findable head still loads, saying why. */
async function createLensSession(
  file: string,
  taps: boolean,
  executionProviders: string[],
  lens: LensGraphOptions,
  compact = false,
): Promise<DecodeSession> {
  const stamp = fileStamp(file);
  const model = compact && taps ? await readModel(file) : undefined;
  const opset = model ? modelOpset(model) : 0;
  const appendix = compactAppender(() => opset, model !== undefined);
  // Compact: taps read in place are not made graph outputs (as in createSession); the rest are exposed.
  const selection = model ? appendix.sourcesByName(findTaps(model)) : undefined;
  const built = await buildLensModel(file, {
    taps,
    lens,
    append: (report) => [...withSummary(report), ...appendix.append(report)],
    weights: 'referenced',
    ...(selection ? { selection } : {}),
  });
  try {
    const created = await ort.InferenceSession.create(built.bytes, {
      ...SESSION_OPTIONS,
      ...(model ? COMPACT_SESSION_OPTIONS : {}),
      executionProviders,
      ...externalDataOptions(built.externalDataDir),
    });
    const session = built.externalDataDir ? runsOnlyWhileUnchanged(file, stamp, created) : created;
    return {
      file,
      session,
      taps: [...sessionTaps(built.taps), ...appendix.bindings().filter((b) => !built.taps.some((t) => t.output === b.output))],
      unavailable: built.unavailable,
      summary: hasSummary(session),
      lens: { graph: built.lens, head: built.head, unavailable: built.lensUnavailable },
      ...appendix.session(session, built.taps),
    };
  } catch (error) {
    throw new DecoderLensError('bad-model', `ONNX Runtime could not load ${file} with the lens nodes: ${(error as Error).message}`, file);
  }
}

/** The standalone lens (lens/standalone.ts) as an ONNX Runtime session; its weights are read from the model's files. */
async function createStandaloneLens(
  model: ModelInfo,
  head: LensHead,
  hiddenType: ElemType,
  executionProviders: string[],
): Promise<LensRunner> {
  const built = await buildStandaloneLens(model, head, hiddenType);
  try {
    const session = await ort.InferenceSession.create(built.bytes, {
      ...SESSION_OPTIONS,
      executionProviders,
      // Its batches are large and rare: no arena keeping the largest one after the run.
      enableCpuMemArena: false,
      ...externalDataOptions(built.externalDataDir),
    });
    return { session, hiddenType, vocab: head.lmHead.vocab };
  } catch (error) {
    throw new DecoderLensError(
      'bad-model',
      `ONNX Runtime could not load the logit lens of ${model.path}: ${(error as Error).message}`,
      model.path,
    );
  }
}

const modelOpset = (model: ModelInfo) => model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;

/**
 * The compaction nodes (onnx/compact.ts) after every attention tap the planner exposes, and what the session then
 * fetches: everything but the full probabilities and the mask taps the bands replace.
 */
function compactAppender(opset: () => number, on: boolean) {
  let outputs: CompactOutputs[] = [];
  let chosen: { id: string; output: string; layer: number; kind: 'self' | 'cross' }[] | undefined;
  return {
    /**
     * Where each attention tap's probabilities are read (with the planner, before the bytes are written): the
     * tensor itself when it lives at top level and needs no node edit; else exposed as usual (lifted out of an If).
     */
    sources(plan: Planner, report: TapReport): void {
      chosen = report.attention.map((a) => {
        const direct = a.sites.length === 1 && a.sites[0].branchPath.length === 0 && !a.sites[0].edit;
        return { id: a.id, layer: a.layer, kind: a.kind, output: direct ? a.sites[0].tensor : plan.expose(a.id, a.sites) };
      });
    },
    /**
     * The same choice without a planner (the lens builds its own): a tap read in place, or exposed under the
     * name the planner will give it; returns the selection that exposes only the latter, and no masks.
     */
    sourcesByName(report: TapReport): TapSelection {
      const exposed: string[] = [];
      chosen = report.attention.flatMap((a) => {
        const direct = a.sites.length === 1 && a.sites[0].branchPath.length === 0 && !a.sites[0].edit;
        const output = direct ? a.sites[0].tensor : exposedName(a.id, a.sites);
        if (!output) return [];
        if (!direct) exposed.push(a.id);
        return [{ id: a.id, layer: a.layer, kind: a.kind, output }];
      });
      return { attention: exposed, masks: 'none' };
    },
    /** Tap bindings for the probabilities read in place (not graph outputs: only their compact outputs are). */
    bindings(): DecodeSession['taps'] {
      return (chosen ?? []).map((c) => ({ output: c.output, tap: 'attention', layer: c.layer, kind: c.kind }));
    },
    append(report: TapReport, tapped?: readonly TapOutput[]): Uint8Array[] {
      if (!on) return [];
      const sources =
        chosen ??
        report.attention.flatMap((a) => {
          const name = tapped?.find((o) => o.tap === 'attention' && o.id === a.id)?.output ?? exposedName(a.id, a.sites);
          return name ? [{ id: a.id, output: name }] : [];
        });
      const built = compactAppendix(sources, opset());
      outputs = built?.outputs ?? [];
      return built ? [built.bytes] : [];
    },
    session(session: ort.InferenceSession, taps: readonly TapOutput[]): Pick<DecodeSession, 'compact' | 'fetches'> {
      const names = new Set(session.outputNames);
      const usable = outputs.filter((o) => names.has(o.values) && names.has(o.rest));
      if (!on || usable.length === 0 || !session.inputNames.includes(COMPACT_K_INPUT)) return {};
      const byOutput = new Map(usable.map((o) => [o.output, o]));
      const replaced = new Set(usable.map((o) => o.output));
      // Mask taps of a compacted layer: its bands stand in for them (when the graph computes bands).
      const banded = new Set(
        [...taps.filter((t) => t.tap === 'attention'), ...(chosen ?? [])]
          .filter((t) => byOutput.get(t.output)?.count)
          .map((t) => `${t.kind}.${t.layer}`),
      );
      for (const t of taps) if (t.tap === 'mask' && banded.has(`${t.kind}.${t.layer}`)) replaced.add(t.output);
      return {
        compact: { kInput: COMPACT_K_INPUT, taps: byOutput },
        fetches: session.outputNames.filter((n) => !replaced.has(n)),
      };
    },
  };
}

/** The taps a decode session reads, from the surgery's output list. */
export function sessionTaps(outputs: readonly TapOutput[]): DecodeSession['taps'] {
  return outputs.map((o) => ({
    output: o.output,
    tap: o.tap,
    layer: o.layer,
    kind: o.kind === 'cross' ? 'cross' : 'self',
    maskKind: o.maskKind,
  }));
}

/** Per-position probabilities and top-k computed by ORT (lens/summary.ts), for every graph with logits. */
const withSummary = (report: TapReport) => (report.logits === 'logits' ? [logitSummaryAppendix(TOP_K_SHOWN)] : []);
const hasSummary = (session: ort.InferenceSession) => session.outputNames.includes(SUMMARY_OUTPUTS.topIds);

/**
 * A session made from bytes cannot resolve `*.onnx_data` paths by itself: this session config entry gives ORT the
 * model's folder, and ORT reads (or maps) the data files from there — no copy in JS memory, nothing written.
 */
export function externalDataOptions(folder: string | undefined): ort.InferenceSession.SessionOptions {
  return folder ? { extra: { session: { model_external_initializers_file_folder_path: folder } } } : {};
}

/** Sessions released already: a lens-rows entry shares its tapped entry's session, and each is released once. */
const released = new WeakSet<ort.InferenceSession>();

/**
 * A session whose weights ONNX Runtime maps from the model's folder must not run once the file changed on disk: a
 * rewrite in place would mix old and new weights, and a run over a truncated file ends the process (SIGBUS). Each
 * run checks the file's stamp first (a stat, microseconds); the cache then hands out a session of the new file.
 */
export function runsOnlyWhileUnchanged(file: string, stamp: string, session: ort.InferenceSession): ort.InferenceSession {
  const run = session.run.bind(session) as (...args: unknown[]) => ReturnType<ort.InferenceSession['run']>;
  session.run = ((...args: unknown[]) => {
    let now: string;
    try {
      now = fileStamp(file);
    } catch (error) {
      return Promise.reject(error);
    }
    if (now !== stamp) {
      return Promise.reject(
        new DecoderLensError('bad-model', `${file} changed on disk after it was loaded; run again to load the new file.`, file),
      );
    }
    return run(...args);
  }) as ort.InferenceSession['run'];
  return session;
}

async function release(entry: Entry): Promise<void> {
  try {
    const { session } = await entry.session;
    if (released.has(session)) return;
    released.add(session);
    await session.release();
  } catch {
    // A session that failed to load has nothing to release.
  }
}

export function fileStamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    throw new DecoderLensError('not-found', `The model file ${file} does not exist.`, file);
  }
}
