// buildLensModel: the bytes ONNX Runtime loads for a lens run — the model (tapped as usual when asked) plus the
// appended lens nodes. A model whose head cannot be found still loads, with the reason in `lensUnavailable`.
import { open, readFile } from 'node:fs/promises';
import { DecoderLensError } from '../errors';
import {
  type ModelInfo,
  type TapOutput,
  type TapReport,
  type TapSelection,
  type WeightPlacement,
  buildTappedModel,
  findTaps,
  readModel,
} from '../onnx';
import { externalDataFolder } from '../onnx/external';
import { concatBytes } from '../onnx/wire';
import { type LensGraph, type LensGraphOptions, buildLensGraph } from './graph';
import { type LensHead, findLensHead } from './head';
import type { LensHeadInfo } from './outputs';

export type { LensHeadInfo };

export interface LensModel {
  bytes: Uint8Array;
  externalDataDir?: string;
  /** The usual taps (attention, masks, hidden states) when they were asked for. */
  taps: TapOutput[];
  unavailable: TapReport['unavailable'];
  lens: LensGraph | null;
  head: LensHeadInfo | null;
  /** Why there is no lens for this file. */
  lensUnavailable: string | null;
}

export const DEFAULT_LENS: LensGraphOptions = { rows: 'last', k: 10 };

/** The model as it is plus the lens (its bytes are the file's, or reference its weights). */
const NO_TAPS: TapSelection = { attention: 'none', masks: 'none', hidden: 'none' };

export async function buildLensModel(
  path: string,
  options: {
    taps: boolean;
    lens?: Partial<LensGraphOptions>;
    append?: (report: TapReport) => Uint8Array[];
    /** 'referenced': weights stay in the file (onnx/referenced.ts); the session needs `externalDataDir`. */
    weights?: WeightPlacement;
    /** Which taps become graph outputs (default all); a compact session reads most attention taps in place. */
    selection?: TapSelection;
  },
): Promise<LensModel> {
  const lensOptions = { ...DEFAULT_LENS, ...options.lens };
  if (!Number.isInteger(lensOptions.k) || lensOptions.k < 1)
    throw new DecoderLensError('bad-input', `lens k ${lensOptions.k}: expected a whole number ≥ 1.`);
  const found = await findModelLens(path);
  const { model, report } = found;
  let head = found.head;
  const lensUnavailable = found.unavailable;
  if (head?.lmHead.vocab && lensOptions.k > head.lmHead.vocab) lensOptions.k = head.lmHead.vocab;
  let lens: LensGraph | null = null;
  const hasInputIds = model.graph.inputs.some((i) => i.name === 'input_ids');
  const lensGraph = async (h: LensHead) => {
    const handle = await open(path, 'r');
    try {
      return (lens = await buildLensGraph(handle, h, hasInputIds, lensOptions));
    } finally {
      await handle.close();
    }
  };
  let base: {
    bytes: Uint8Array;
    outputs: TapOutput[];
    unavailable: TapReport['unavailable'];
    externalDataDir?: string;
  };
  if (head && head.branch.length > 0) {
    // A merged decoder: the hidden states are lifted out of the If branches as top-level outputs, and the
    // lens, appended at top level, reads them under the names they were given.
    const branchHead = head;
    const selection = options.taps
      ? (options.selection ?? {})
      : { attention: 'none' as const, masks: 'none' as const, hidden: branchHead.layers.map((l) => l.id) };
    const tapped = await buildTappedModel(
      path,
      selection,
      async (report, outputs) => {
        const lifted = new Map(outputs.filter((o) => o.tap === 'hidden').map((o) => [o.id, o.output]));
        head = { ...branchHead, layers: branchHead.layers.map((l) => ({ ...l, tensor: lifted.get(l.id)! })) };
        const graph = await lensGraph(head);
        return [graph.appendix, ...(options.append?.(report) ?? [])];
      },
      undefined,
      { weights: options.weights },
    );
    // Without taps the lifted hidden states are only the lens's inputs: not reported as taps.
    base = { ...tapped, outputs: options.taps ? tapped.outputs : [] };
  } else {
    if (head) await lensGraph(head);
    const append = [...(lens ? [(lens as LensGraph).appendix] : []), ...(options.append?.(report) ?? [])];
    base = options.taps
      ? await tappedOrPlain(path, append, options.weights, options.selection)
      : { ...(await tappedOrPlain(path, append, options.weights, NO_TAPS)), outputs: [], unavailable: [] };
  }
  const externalDataDir =
    base.externalDataDir ?? (model.externalDataFiles.length > 0 ? await externalDataFolder(path, model.externalDataFiles) : undefined);
  return {
    bytes: base.bytes,
    ...(externalDataDir ? { externalDataDir } : {}),
    taps: base.outputs,
    unavailable: base.unavailable,
    lens,
    head: head ? lensHeadInfo(head) : null,
    lensUnavailable,
  };
}

/** The model's structure and its lens head, or why it has none (an encoder has no logits: no head, no reason). */
export async function findModelLens(
  path: string,
): Promise<{ model: ModelInfo; report: TapReport; head: LensHead | null; unavailable: string | null }> {
  const model = await readModel(path);
  const report = findTaps(model);
  try {
    return { model, report, head: report.role === 'encoder' ? null : findLensHead(model, report), unavailable: null };
  } catch (error) {
    if (!(error instanceof DecoderLensError) || error.code !== 'unsupported') throw error;
    return { model, report, head: null, unavailable: error.message };
  }
}

/** What the lens applies, for the trace (names only). */
export function lensHeadInfo(head: LensHead): LensHeadInfo {
  return {
    input: head.input,
    logits: head.logits,
    norm: head.norm,
    lmHead: head.lmHead,
    layers: head.layers.map(({ layer, tensor }) => ({ layer, tensor })),
  };
}

/** The tapped model, or the plain file when it has nothing to tap (the decode then says why). */
async function tappedOrPlain(
  path: string,
  append: Uint8Array[],
  weights?: WeightPlacement,
  selection: TapSelection = {},
): Promise<{
  bytes: Uint8Array;
  outputs: TapOutput[];
  unavailable: TapReport['unavailable'];
  externalDataDir?: string;
}> {
  try {
    return await buildTappedModel(path, selection, () => append, undefined, { weights });
  } catch (error) {
    if (!(error instanceof DecoderLensError) || error.code !== 'unsupported') throw error;
    return { bytes: concatBytes([await readFile(path), ...append]), outputs: [], unavailable: [{ node: path, reason: error.message }] };
  }
}
