// Compaction in the graph, for long contexts: a T = 4,096 prefill of a 24 × 16-head model computes 24 GB of
// attention probabilities, which ONNX Runtime would hand back whole before any cap in JavaScript could act. These
// nodes, appended after each exposed attention tap, return instead each query row's top-k keys (float16 values,
// int32 indices, k fed per run) and the mass of the rest, plus the applied mask as each row's band: the first and
// last key some head attends to and how many keys it attends to (a key no head gives any probability is hidden).
// The decode then fetches these outputs only, never the full tap: ORT frees the probabilities after use.
import { Writer } from './wire';

const P = 'decoder_lens/compact';
/** The graph input that sets k (int64 [1]; at most the key axis length of the run). */
export const COMPACT_K_INPUT = `${P}/k`;

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const FLOAT16 = 10;

export interface CompactSource {
  /** The exposed probabilities tensor ([batch, heads, queries, keys]). */
  output: string;
  id: string;
}

/** What a compact session returns for one attention tap. */
export interface CompactOutputs {
  /** The full tap output these replace (never fetched). */
  output: string;
  /** [b, heads, queries, k] float16, largest first. */
  values: string;
  /** [b, heads, queries, k] int32 key indices. */
  indices: string;
  /** [b, heads, queries] float32: 1 − the sum of the kept values (in float32, before the float16 cast). */
  rest: string;
  /** [b, queries] int32 each: the first and last key any head attends to (p > 0), and how many it does. */
  first?: string;
  last?: string;
  count?: string;
}

type Attr = number | number[];

function node(opType: string, inputs: string[], outputs: string[], name: string, attributes: Record<string, Attr> = {}): Writer {
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name).string(4, opType);
  for (const [key, value] of Object.entries(attributes)) {
    const a = new Writer().string(1, key);
    if (Array.isArray(value)) {
      for (const v of value) a.varint(8, v);
      a.varint(20, 7); // INTS
    } else a.varint(3, value).varint(20, 2); // INT
    w.message(5, a);
  }
  return w;
}

/** A Constant node with one tensor (raw little-endian data). */
function constant(name: string, type: number, dims: number[], raw: Uint8Array): Writer {
  const tensor = new Writer();
  for (const d of dims) tensor.varint(1, d);
  tensor.varint(2, type).bytes(9, raw);
  const attr = new Writer().string(1, 'value').message(5, tensor).varint(20, 4); // TENSOR
  return new Writer().string(2, name).string(3, name).string(4, 'Constant').message(5, attr);
}

const int64Raw = (values: number[]) => {
  const raw = new Uint8Array(values.length * 8);
  values.forEach((v, i) => new DataView(raw.buffer).setBigInt64(i * 8, BigInt(v), true));
  return raw;
};
const floatRaw = (value: number) => {
  const raw = new Uint8Array(4);
  new DataView(raw.buffer).setFloat32(0, value, true);
  return raw;
};

/**
 * The ModelProto bytes to append (a `graph { node… input… output… }` field protobuf merges into the graph), or
 * null when the model's opset lacks what the nodes need (TopK with k as an input: opset 10; negative axes: 11).
 * Masks (first/last/count) need ArgMax's select_last_index (opset 12); below it only the attention is compacted.
 */
export function compactAppendix(sources: CompactSource[], opset: number): { bytes: Uint8Array; outputs: CompactOutputs[] } | null {
  if (opset < 11 || sources.length === 0) return null;
  const graph = new Writer();
  const add = (w: Writer) => graph.message(1, w);
  // Reductions take their axes as an input from opset 13 (ReduceSum) or 18 (ReduceMax); an attribute before.
  const axesName = (axis: number) => `${P}/axes_${axis < 0 ? `m${-axis}` : axis}`;
  if (opset >= 13) for (const axis of [-1, -3]) add(constant(axesName(axis), INT64, [1], int64Raw([axis])));
  const reduce = (op: 'ReduceSum' | 'ReduceMax', input: string, output: string, axis: number, name: string) => {
    const asInput = op === 'ReduceSum' ? opset >= 13 : opset >= 18;
    if (asInput) add(node(op, [input, axesName(axis)], [output], name, { keepdims: 0 }));
    else add(node(op, [input], [output], name, { axes: [axis], keepdims: 0 }));
  };
  add(constant(`${P}/one`, FLOAT, [], floatRaw(1)));
  add(constant(`${P}/zero`, FLOAT, [], floatRaw(0)));
  const outputs: CompactOutputs[] = [];
  for (const { output, id } of sources) {
    const at = `${P}/${id}`;
    const probs = `${at}/probs`;
    // float32 whatever the model computes in (TopK and the sum of the rest want it; a no-op for float32 models).
    add(node('Cast', [output], [probs], `${at}/Cast`, { to: FLOAT }));
    add(node('TopK', [probs, COMPACT_K_INPUT], [`${at}/top`, `${at}/top_i64`], `${at}/TopK`, { axis: -1, largest: 1, sorted: 1 }));
    const o: CompactOutputs = { output, values: `${at}/values`, indices: `${at}/indices`, rest: `${at}/rest` };
    add(node('Cast', [`${at}/top`], [o.values], `${at}/CastValues`, { to: FLOAT16 }));
    add(node('Cast', [`${at}/top_i64`], [o.indices], `${at}/CastIndices`, { to: INT32 }));
    reduce('ReduceSum', `${at}/top`, `${at}/kept`, -1, `${at}/Kept`);
    add(node('Sub', [`${P}/one`, `${at}/kept`], [o.rest], `${at}/Rest`));
    if (opset >= 12) {
      // The band of keys any head attends to, per query row: heads reduced by max, then > 0.
      reduce('ReduceMax', probs, `${at}/any`, -3, `${at}/AnyHead`);
      add(node('Greater', [`${at}/any`, `${P}/zero`], [`${at}/seen_b`], `${at}/Seen`));
      add(node('Cast', [`${at}/seen_b`], [`${at}/seen`], `${at}/CastSeen`, { to: FLOAT }));
      o.first = `${at}/first`;
      o.last = `${at}/last`;
      o.count = `${at}/count`;
      add(node('ArgMax', [`${at}/seen`], [`${at}/first_i64`], `${at}/First`, { axis: -1, keepdims: 0 }));
      add(node('ArgMax', [`${at}/seen`], [`${at}/last_i64`], `${at}/Last`, { axis: -1, keepdims: 0, select_last_index: 1 }));
      reduce('ReduceSum', `${at}/seen`, `${at}/count_f`, -1, `${at}/Count`);
      add(node('Cast', [`${at}/first_i64`], [o.first], `${at}/CastFirst`, { to: INT32 }));
      add(node('Cast', [`${at}/last_i64`], [o.last], `${at}/CastLast`, { to: INT32 }));
      add(node('Cast', [`${at}/count_f`], [o.count], `${at}/CastCount`, { to: INT32 }));
    }
    outputs.push(o);
  }
  // The k input: int64 [1].
  const dim = new Writer().varint(1, 1);
  const shape = new Writer().message(1, dim);
  const tensorType = new Writer().varint(1, INT64).message(2, shape);
  graph.message(11, new Writer().string(1, COMPACT_K_INPUT).message(2, new Writer().message(1, tensorType)));
  for (const o of outputs)
    for (const name of [o.values, o.indices, o.rest, o.first, o.last, o.count]) if (name) graph.message(12, new Writer().string(1, name));
  return { bytes: new Writer().message(7, graph).finish(), outputs };
}

/**
 * The graph output name the planner gives a tap (Planner.expose): the tensor itself at top level, or
 * `decoder_lens/<id>` lifted out of one If; null when nested deeper (not compacted).
 */
export function exposedName(id: string, sites: { tensor: string; branchPath: unknown[] }[]): string | null {
  const top = sites.find((s) => s.branchPath.length === 0);
  if (top) return top.tensor;
  return sites.every((s) => s.branchPath.length === 1) ? `decoder_lens/${id}` : null;
}
