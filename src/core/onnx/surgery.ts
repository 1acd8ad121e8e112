// buildTappedModel: turns chosen taps into graph outputs ONNX Runtime will return (planner.ts decides the edits,
// assemble.ts writes the bytes), and hands over external data in memory.
import { type FileHandle, open } from 'node:fs/promises';
import { DecoderLensError } from '../errors';
import { externalDataFolder } from './external';
import type { MaskKind } from './scorePath';
import { type Rewrites, assemble } from './assemble';
import { type WeightPlacement, referenceTarget, referencedInitializers } from './referenced';
import { relocation } from './relocate';
import { readModel } from './reader';
import { Planner } from './planner';
import { type TapReport, findTaps } from './taps';
import type { ModelInfo } from './types';
import { FormatError } from './wire';

export type TapFilter = 'all' | 'none' | readonly string[];

/** Which taps to expose, by id ('attn.self.0', 'hidden.3'; masks by their attention id or 'mask.self.0'). Default: all. */
export interface TapSelection {
  attention?: TapFilter;
  masks?: TapFilter;
  hidden?: TapFilter;
}

export interface TapOutput {
  /** The graph output name to fetch from ONNX Runtime. */
  output: string;
  tap: 'attention' | 'mask' | 'hidden';
  id: string;
  layer: number;
  kind: 'self' | 'cross' | null;
  /** The tensor's own name in the graph (inside its branch when lifted). */
  tensor: string;
  /** For masks: how to read the values (additive: ≤ -1e4 hides; boolean: which value keeps). */
  maskKind?: MaskKind;
}

export interface BuildOptions {
  /**
   * 'referenced': the large top-level initializers are not copied into `bytes` but named as external data at their
   * offsets in the model file itself (referenced.ts) — create the session with `externalDataDir`. Default 'copied'.
   */
  weights?: WeightPlacement;
}

export interface TappedModel {
  bytes: Uint8Array;
  outputs: TapOutput[];
  /** For models with external data: the folder ONNX Runtime reads the data files from (see external.ts). */
  externalDataDir?: string;
  unavailable: TapReport['unavailable'];
  report: TapReport;
}

const picks = (filter: TapFilter | undefined, ...ids: string[]) =>
  filter === undefined || filter === 'all' ? true : filter === 'none' ? false : ids.some((id) => filter.includes(id));

/**
 * `append` gives more ModelProto bytes for the end (extra nodes/outputs of the caller's own, e.g. the lens or
 * the logit summary), decided from what was found and the names the taps were given (lifted ones included); they go into the one buffer, so the model is copied once.
 */
export async function buildTappedModel(
  path: string,
  selection: TapSelection = {},
  append: (report: TapReport, outputs: TapOutput[]) => Uint8Array[] | Promise<Uint8Array[]> = () => [],
  /** Interventions (src/core/interventions/hooks.ts): more edits planned beside the taps, before the bytes are written. */
  edit?: (plan: Planner, report: TapReport, model: ModelInfo) => void,
  options: BuildOptions = {},
): Promise<TappedModel> {
  const model = await readModel(path);
  const report = findTaps(model);
  if (report.attention.length === 0 && report.hiddenStates.length === 0 && report.unavailable.length === 0) {
    throw new DecoderLensError(
      'unsupported',
      `${path} has no attention Decoder Lens can find: no Softmax over the last axis feeding a MatMul, and no fused attention op. Is it a transformer decoder?`,
      path,
    );
  }
  const plan = new Planner(model);
  const outputs: TapOutput[] = [];
  for (const a of report.attention) {
    if (picks(selection.attention, a.id)) {
      outputs.push({ output: plan.expose(a.id, a.sites), tap: 'attention', id: a.id, layer: a.layer, kind: a.kind, tensor: a.tensor });
    }
    a.masks.forEach((mask, i) => {
      const id = `mask.${a.kind}.${a.layer}${i > 0 ? `.${i}` : ''}`;
      if (!picks(selection.masks, a.id, id)) return;
      // The same mask in each branch: the i-th applied mask of every site.
      const sites = a.sites.flatMap((s) => {
        const m = s.masks.filter((x) => x.origins.length > 0)[i];
        return m ? [{ ...s, tensor: m.tensor, edit: m.created ? s.edit : undefined }] : [];
      });
      if (sites.length === 0) return;
      outputs.push({
        output: plan.expose(id, sites),
        tap: 'mask',
        id,
        layer: a.layer,
        kind: a.kind,
        tensor: mask.tensor,
        maskKind: mask.kind,
      });
    });
  }
  for (const h of report.hiddenStates) {
    if (picks(selection.hidden, h.id)) {
      outputs.push({ output: plan.expose(h.id, h.sites), tap: 'hidden', id: h.id, layer: h.layer, kind: null, tensor: h.tensor });
    }
  }
  edit?.(plan, report, model);
  const extra = await append(report, outputs);
  const { rewrites, externalDataDir } = await weightRewrites(path, model, options.weights);
  const bytes = await withFile(path, (handle) => assemble(handle, model, plan.root, extra, rewrites));
  return { bytes, outputs, ...(externalDataDir ? { externalDataDir } : {}), unavailable: report.unavailable, report };
}

/**
 * How the initializers of a model built from `path` are written (assemble.ts: initializerPieces): large weights as
 * references into the file when `weights` is 'referenced', external data files renamed to the real files behind
 * links; and the folder ONNX Runtime must resolve external data in (none when the model needs none).
 */
export async function weightRewrites(
  path: string,
  model: ModelInfo,
  weights: WeightPlacement = 'copied',
): Promise<{ rewrites: Rewrites; externalDataDir?: string }> {
  const namedFolder = model.externalDataFiles.length > 0 ? await externalDataFolder(path, model.externalDataFiles) : undefined;
  const relocated = namedFolder ? await relocation(model, namedFolder) : null;
  const dataFolder = relocated?.folder ?? namedFolder;
  const referenced = weights === 'referenced' ? referencedInitializers(model) : [];
  const target = referenced.length > 0 ? await referenceTarget(path, dataFolder) : null;
  const refs = target ? { location: target.location, initializers: referenced } : undefined;
  const rewrites = { ...(refs ? { refs } : {}), ...(relocated ? { relocation: relocated } : {}) };
  const externalDataDir = dataFolder ?? target?.folder;
  return { rewrites, ...(externalDataDir ? { externalDataDir } : {}) };
}

async function withFile<T>(path: string, body: (handle: FileHandle) => Promise<T>): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DecoderLensError(
      code === 'ENOENT' ? 'not-found' : 'bad-input',
      `Cannot read model file ${path}: ${(e as Error).message}`,
      path,
    );
  }
  try {
    return await body(handle);
  } catch (e) {
    // The reader accepted these bytes, so this means the file changed underneath; never let a raw parse error out.
    if (e instanceof FormatError)
      throw new DecoderLensError('bad-model', `Cannot rewrite ${path}: ${e.message} (at byte ${e.offset}).`, path);
    throw e;
  } finally {
    await handle.close();
  }
}
