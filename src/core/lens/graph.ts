// The lens nodes, appended to the model as one more `graph { node… output… }` field (protobuf merges it into
// the graph): the hidden states of every layer but the last (or only their last row) stacked layer-major along
// the sequence axis, the model's own norm + LM head nodes copied once with renamed tensors (they read the same
// initializers by name; no weight is copied), the model's own logits appended as the last layer, a Softmax and a
// TopK. Stacking first makes the head one matrix product for all layers, so its weight is read once per step.
import type { FileHandle } from 'node:fs/promises';
import type { LensHead } from './head';
import { type LensNode, cloneNode, encodeNode, int64Constant } from './nodes';
import { Writer } from '../onnx/wire';

export interface LensGraphOptions {
  /** 'last': each step's last row only (the position that predicts the next token); 'all': every fed row. */
  rows: 'last' | 'all';
  /** How many tokens per layer and position the lens returns. */
  k: number;
}

export interface LensOutputs {
  /** [batch, layers × rows, k] probabilities and int64 ids of each layer's top-k, layer-major. */
  topProbs: string;
  topIds: string;
  /** Full per-layer probabilities at the step's last row: [batch, layers, V] ('last') or [batch, layers, 1, V] ('all'). */
  lastProbs: string;
  /** 'all' only: [batch, layers, rows − 1, 1], each layer's probability of the token fed at the next row. */
  nextProbs: string | null;
}

export interface LensGraph {
  /** One ModelProto.graph field to append to the model's bytes. */
  appendix: Uint8Array;
  outputs: LensOutputs;
  layers: number[];
  options: LensGraphOptions;
}

const P = 'decoder_lens/lens';
const BIG = Number.MAX_SAFE_INTEGER; // a Slice end past any axis (INT64_MAX is not exact in a JS number)

export async function buildLensGraph(
  handle: FileHandle,
  head: LensHead,
  hasInputIds: boolean,
  options: LensGraphOptions,
): Promise<LensGraph> {
  const L = head.layers.length;
  const graph = new Writer();
  const add = (n: LensNode) => graph.message(1, encodeNode(n));
  const constant = (name: string, values: number[]) => (add(int64Constant(`${P}/${name}`, values)), `${P}/${name}`);
  const unsqueeze = (input: string, axes: number[], out: string) =>
    head.opset >= 13
      ? add({ opType: 'Unsqueeze', inputs: [input, constant(`${out}_axes`, axes)], outputs: [`${P}/${out}`], name: `${P}/${out}` })
      : add({ opType: 'Unsqueeze', inputs: [input], outputs: [`${P}/${out}`], name: `${P}/${out}`, attributes: { axes } });

  const lastIndex = constant('last_index', [-1]);
  const pick = (tensor: string, name: string) => {
    if (options.rows === 'all') return tensor;
    add({ opType: 'Gather', inputs: [tensor, lastIndex], outputs: [`${P}/${name}`], name: `${P}/${name}`, attributes: { axis: 1 } });
    return `${P}/${name}`;
  };
  // The last layer's lens is the model's own logits (head.input is that layer's hidden state), so only the
  // layers before it go through the copied head.
  const earlier = head.layers.slice(0, -1);
  const parts: string[] = [];
  if (earlier.length > 0) {
    add({
      opType: 'Concat',
      inputs: earlier.map(({ layer, tensor }) => pick(tensor, `row.${layer}`)),
      outputs: [`${P}/stacked`],
      name: `${P}/stacked`,
      attributes: { axis: 1 },
    });
    parts.push(await copyHeadChain(handle, graph, head, `${P}/stacked`));
  }
  parts.push(pick(head.logits, 'row.logits'));
  add({ opType: 'Concat', inputs: parts, outputs: [`${P}/logits`], name: `${P}/logits`, attributes: { axis: 1 } });
  const logits = `${P}/logits`;
  add({ opType: 'Softmax', inputs: [logits], outputs: [`${P}/probs`], name: `${P}/probs`, attributes: { axis: -1 } });
  const k = constant('k', [options.k]);
  const outputs: LensOutputs = { topProbs: `${P}/top_probs`, topIds: `${P}/top_ids`, lastProbs: `${P}/probs`, nextProbs: null };
  add({
    opType: 'TopK',
    inputs: [`${P}/probs`, k],
    outputs: [outputs.topProbs, outputs.topIds],
    name: `${P}/top`,
    attributes: { axis: -1, largest: 1, sorted: 1 },
  });

  if (options.rows === 'all') {
    // [batch, L·rows, V] → [batch, L, rows, V] (the vocabulary size read from the tensor, not assumed).
    add({ opType: 'Shape', inputs: [`${P}/probs`], outputs: [`${P}/probs_shape`], name: `${P}/probs_shape` });
    add({ opType: 'Slice', inputs: [`${P}/probs_shape`, lastIndex, constant('big', [BIG])], outputs: [`${P}/vocab`], name: `${P}/vocab` });
    add({
      opType: 'Concat',
      inputs: [constant('split_shape', [0, L, -1]), `${P}/vocab`],
      outputs: [`${P}/shape4`],
      name: `${P}/shape4`,
      attributes: { axis: 0 },
    });
    add({ opType: 'Reshape', inputs: [`${P}/probs`, `${P}/shape4`], outputs: [`${P}/probs4`], name: `${P}/probs4` });
    add({
      opType: 'Gather',
      inputs: [`${P}/probs4`, lastIndex],
      outputs: [`${P}/last_probs`],
      name: `${P}/last_probs`,
      attributes: { axis: 2 },
    });
    outputs.lastProbs = `${P}/last_probs`;
    if (hasInputIds) {
      // Each row's probability of the token fed at the next row: GatherElements at input_ids[:, 1:].
      const zero = constant('zero', [0]);
      const one = constant('one', [1]);
      add({
        opType: 'Slice',
        inputs: [`${P}/probs4`, zero, lastIndex, constant('axis2', [2])],
        outputs: [`${P}/probs_head`],
        name: `${P}/probs_head`,
      });
      add({
        opType: 'Slice',
        inputs: ['input_ids', one, constant('big_ids', [BIG]), one],
        outputs: [`${P}/next_ids`],
        name: `${P}/next_ids`,
      });
      unsqueeze(`${P}/next_ids`, [1, 3], 'next_ids4');
      add({
        opType: 'Expand',
        inputs: [`${P}/next_ids4`, constant('expand', [1, L, 1, 1])],
        outputs: [`${P}/next_index`],
        name: `${P}/next_index`,
      });
      add({
        opType: 'GatherElements',
        inputs: [`${P}/probs_head`, `${P}/next_index`],
        outputs: [`${P}/next_probs`],
        name: `${P}/next_probs`,
        attributes: { axis: 3 },
      });
      outputs.nextProbs = `${P}/next_probs`;
    }
  }
  for (const name of Object.values(outputs)) if (name) graph.message(12, new Writer().string(1, name));
  return { appendix: new Writer().message(7, graph).finish(), outputs, layers: head.layers.map((l) => l.layer), options };
}

/**
 * Copies the LM head's chain (head.ts: the final norm and the projection, their node bytes read from the model
 * file) into a lens graph fed by `hidden`, its outputs renamed under `decoder_lens/lens/head/`. A fused final norm
 * (SkipLayerNormalization) gets the hidden states in, zeros (made once, from them) as the skip and no bias. Returns
 * the copy's logits. The per-step lens graph and the standalone lens model both use it.
 */
export async function copyHeadChain(handle: FileHandle, graph: Writer, head: LensHead, hidden: string): Promise<string> {
  const renamed = new Map<string, string>([[head.input, hidden]]);
  const zeros = `${P}/zeros`;
  let zerosMade = false;
  for (const [name, as] of Object.entries(head.substitutes ?? {})) {
    if (as === 'zeros' && !zerosMade) {
      graph.message(1, encodeNode({ opType: 'Sub', inputs: [hidden, hidden], outputs: [zeros], name: zeros }));
      zerosMade = true;
    }
    renamed.set(name, as === 'hidden' ? hidden : as === 'zeros' ? zeros : '');
  }
  for (const n of head.chain) {
    const field = await readRange(handle, n.range.offset, n.range.length);
    const outputs = n.outputs.map((o) => (o ? `${P}/head/${o}` : ''));
    n.outputs.forEach((o, i) => o && renamed.set(o, outputs[i]));
    const name = `${P}/head/${n.name || `${n.opType}_${n.index}`}`;
    graph.message(
      1,
      cloneNode(
        field,
        n.inputs.map((i) => renamed.get(i) ?? i),
        outputs,
        name,
      ),
    );
  }
  return renamed.get(head.chainLogits)!;
}

export async function readRange(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
    if (bytesRead === 0) throw new Error(`the model file ended early at byte ${offset + done} (was it changed while being read?)`);
    done += bytesRead;
  }
  return buf;
}
