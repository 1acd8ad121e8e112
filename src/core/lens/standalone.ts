// The lens as a model of its own: the model's final norm + LM head (the chain head.ts found, copied node for node)
// fed with hidden-state rows, then Softmax, TopK and each row's probability of a given token. The decode session
// only returns the hidden states; this small model runs once over every step's and layer's rows after the
// decode, so the LM head is read once per batch instead of once per step. Its weights are not copied: they are
// written the way the tapped model writes them (onnx/surgery.ts weightRewrites: large initializers as references
// to their bytes in the model file, external data files by their real names), and ONNX Runtime reads them there.
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ModelInfo } from '../onnx';
import { initializerPieces } from '../onnx/assemble';
import { weightRewrites } from '../onnx/surgery';
import type { ElemType } from '../onnx/types';
import { elemTypeNumber } from '../onnx/types';
import { Writer } from '../onnx/wire';
import type { LensHead } from './head';
import { cloneNode, encodeNode, int64Constant, type LensNode } from './nodes';
import { copyHeadChain, readRange } from './graph';

const P = 'decoder_lens/lens';

export const STANDALONE_LENS = {
  /** [1, rows, width] hidden-state rows (any layers, any positions), in the model's hidden-state type. */
  hidden: `${P}/hidden`,
  /** [1, rows] int64: the token whose probability each row's `nextProbs` gives (any valid id when unknown). */
  nextIds: `${P}/next_ids`,
  /** [1] int64: how many tokens TopK returns. */
  k: `${P}/k`,
  topProbs: `${P}/top_probs`,
  topIds: `${P}/top_ids`,
  /** [1, rows, 1]. */
  nextProbs: `${P}/next_probs`,
} as const;

export interface StandaloneLens {
  bytes: Uint8Array;
  /** The folder ONNX Runtime resolves the external data in (the model's own). */
  externalDataDir: string;
  hiddenType: ElemType;
}

/** The lens model's bytes for `head`, found in `model` (read from `model.path`). */
export async function buildStandaloneLens(model: ModelInfo, head: LensHead, hiddenType: ElemType): Promise<StandaloneLens> {
  const graph = new Writer();
  const add = (n: LensNode) => graph.message(1, encodeNode(n));
  const { rewrites, externalDataDir } = await weightRewrites(model.path, model, 'referenced');
  const handle = await open(model.path, 'r');
  try {
    // The constants the chain reads (Transpose of the weight, Constant shapes), copied as they are.
    for (const n of head.reads.nodes) {
      const field = await readRange(handle, n.range.offset, n.range.length);
      graph.message(1, cloneNode(field, n.inputs, n.outputs, `${P}/const/${n.name || `${n.opType}_${n.index}`}`));
    }
    const logits = await copyHeadChain(handle, graph, head, STANDALONE_LENS.hidden);
    add({ opType: 'Softmax', inputs: [logits], outputs: [`${P}/probs`], name: `${P}/probs`, attributes: { axis: -1 } });
    add({
      opType: 'TopK',
      inputs: [`${P}/probs`, STANDALONE_LENS.k],
      outputs: [STANDALONE_LENS.topProbs, STANDALONE_LENS.topIds],
      name: `${P}/top`,
      attributes: { axis: -1, largest: 1, sorted: 1 },
    });
    const axes = `${P}/axes`;
    if (head.opset >= 13) {
      add(int64Constant(axes, [2]));
      add({ opType: 'Unsqueeze', inputs: [STANDALONE_LENS.nextIds, axes], outputs: [`${P}/next_index`], name: `${P}/next_index` });
    } else {
      add({
        opType: 'Unsqueeze',
        inputs: [STANDALONE_LENS.nextIds],
        outputs: [`${P}/next_index`],
        name: `${P}/next_index`,
        attributes: { axes: [2] },
      });
    }
    add({
      opType: 'GatherElements',
      inputs: [`${P}/probs`, `${P}/next_index`],
      outputs: [STANDALONE_LENS.nextProbs],
      name: `${P}/next_probs`,
      attributes: { axis: 2 },
    });
    graph.string(2, 'decoder_lens_standalone_lens');
    for (const init of head.reads.initializers) {
      const pieces = initializerPieces(handle, init, rewrites);
      for (const p of pieces ? await pieces : [await readRange(handle, init.range.offset, init.range.length)]) graph.raw(p);
    }
    graph.message(11, valueInfo(STANDALONE_LENS.hidden, elemTypeNumber(hiddenType), ['batch', 'rows', 'width']));
    graph.message(11, valueInfo(STANDALONE_LENS.nextIds, elemTypeNumber('int64'), ['batch', 'rows']));
    graph.message(11, valueInfo(STANDALONE_LENS.k, elemTypeNumber('int64'), [1]));
    for (const name of [STANDALONE_LENS.topProbs, STANDALONE_LENS.topIds, STANDALONE_LENS.nextProbs])
      graph.message(12, new Writer().string(1, name));
  } finally {
    await handle.close();
  }
  const m = new Writer().varint(1, model.irVersion || 7).string(2, 'decoder-lens');
  m.message(7, graph);
  for (const o of model.opsets) m.message(8, new Writer().string(1, o.domain).varint(2, o.version));
  return { bytes: m.finish(), externalDataDir: externalDataDir ?? dirname(model.path), hiddenType };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): Writer {
  const shape = new Writer();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Writer().varint(1, d) : new Writer().string(2, d));
  const tensor = new Writer().varint(1, elemType).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensor));
}
