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
import { buildTappedModel, type ModelInfo, type TapOutput, type TapReport, type TapSelection } from '../onnx';
import type { DecodeSession, SessionOptions, SessionSource } from './session';

interface Entry {
  stamp: string;
  session: Promise<DecodeSession>;
}

/** No taps: the model's own graph, its weights referenced in the file. */
const NO_TAPS: TapSelection = { attention: 'none', masks: 'none', hidden: 'none' };

export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', logSeverityLevel: 3 };

/**
 * ONNX Runtime sessions, tapped or plain, cached per model file and dropped when the file changes on disk
 * (size or mtime): a model re-exported between runs is reloaded, never served stale.
 */
export class SessionCache implements SessionSource {
  private readonly entries = new Map<string, Entry>();

  open(file: string, options: SessionOptions): Promise<DecodeSession> {
    const providers = options.executionProviders?.length ? options.executionProviders : ['cpu'];
    const lens = options.lens ? `:lens-${options.lens.rows}-${options.lens.k}` : options.lensRows ? ':lens-rows' : '';
    const key = `${options.taps ? 'tapped' : 'plain'}${lens}:${providers.join(',')}:${file}`;
    return this.cached(key, file, () =>
      options.lens
        ? createLensSession(file, options.taps, providers, options.lens)
        : options.lensRows
          ? this.createLensRowsSession(file, options.taps, providers)
          : createSession(file, options.taps, providers),
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
  private async createLensRowsSession(file: string, taps: boolean, providers: string[]): Promise<DecodeSession> {
    const found = await findModelLens(file);
    const { head } = found;
    if (!head)
      return { ...(await createSession(file, taps, providers)), lens: { graph: null, head: null, unavailable: found.unavailable } };
    const hiddenOnly = { attention: 'none' as const, masks: 'none' as const, hidden: head.layers.map((l) => l.id) };
    // With taps, the tapped session already returns every hidden state: the same session serves decodes with and
    // without the lens (one copy of the model in memory, not two).
    const session = taps
      ? await this.open(file, { taps: true, executionProviders: providers })
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
): Promise<DecodeSession> {
  const options = { ...SESSION_OPTIONS, executionProviders };
  try {
    let tapped;
    const stamp = fileStamp(file);
    try {
      // The weights stay in the file (onnx/referenced.ts): ONNX Runtime maps or reads them, JS never holds a copy.
      // Without taps the graph is the file's own, unchanged (ORT loading the path itself would parse a copy of it).
      tapped = await buildTappedModel(file, taps ? selection : NO_TAPS, taps ? withSummary : () => [], undefined, {
        weights: 'referenced',
      });
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
      taps: sessionTaps(tapped.outputs),
      unavailable: tapped.unavailable ?? [],
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
): Promise<DecodeSession> {
  const stamp = fileStamp(file);
  const built = await buildLensModel(file, { taps, lens, append: withSummary, weights: 'referenced' });
  try {
    const created = await ort.InferenceSession.create(built.bytes, {
      ...SESSION_OPTIONS,
      executionProviders,
      ...externalDataOptions(built.externalDataDir),
    });
    const session = built.externalDataDir ? runsOnlyWhileUnchanged(file, stamp, created) : created;
    return {
      file,
      session,
      taps: sessionTaps(built.taps),
      unavailable: built.unavailable,
      summary: hasSummary(session),
      lens: { graph: built.lens, head: built.head, unavailable: built.lensUnavailable },
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
function runsOnlyWhileUnchanged(file: string, stamp: string, session: ort.InferenceSession): ort.InferenceSession {
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

function fileStamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    throw new DecoderLensError('not-found', `The model file ${file} does not exist.`, file);
  }
}
