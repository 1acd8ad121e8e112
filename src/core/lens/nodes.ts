// Encodes the few NodeProto messages the lens appends: small new nodes (attributes: ints, int lists, int64
// constants) and copies of existing nodes with renamed inputs and outputs, whose other fields (op type,
// attributes, domain) are kept as the original bytes — so any attribute the model uses survives unread.
import { FormatError, Writer, readField } from '../onnx/wire';

const ATTR_INT = 2;
const ATTR_TENSOR = 4;
const ATTR_INTS = 7;
const INT64 = 7;

export type Attr = number | number[] | { int64: number[]; dims: number[] };

export interface LensNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, Attr>;
}

function int64Tensor(values: number[], dims: number[]): Writer {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  const t = new Writer();
  for (const d of dims) t.varint(1, d);
  return t.varint(2, INT64).bytes(9, raw);
}

function attribute(name: string, value: Attr): Writer {
  const w = new Writer().string(1, name);
  if (typeof value === 'number') return w.varint(3, value).varint(20, ATTR_INT);
  if (Array.isArray(value)) {
    for (const v of value) w.varint(8, v);
    return w.varint(20, ATTR_INTS);
  }
  return w.message(5, int64Tensor(value.int64, value.dims)).varint(20, ATTR_TENSOR);
}

/** A new node's NodeProto body. */
export function encodeNode(n: LensNode): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.message(5, attribute(name, value));
  return w;
}

/** A Constant node holding an int64 tensor. */
export function int64Constant(name: string, values: number[], dims: number[] = [values.length]): LensNode {
  return { opType: 'Constant', inputs: [], outputs: [name], name, attributes: { value: { int64: values, dims } } };
}

/**
 * A copy of an existing node (its NodeProto field, key included, as read from the file) with new inputs,
 * outputs and name. Doc strings and metadata are dropped; everything else is the original bytes.
 */
export function cloneNode(field: Uint8Array, inputs: string[], outputs: string[], name: string): Writer {
  const head = readField(field, 0, field.length, 0);
  if (head.no !== 1) throw new FormatError('expected a GraphProto.node field', 0);
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name);
  let pos = head.start;
  while (pos < head.end) {
    const f = readField(field, pos, head.end, 0);
    pos = f.end;
    // Kept: 4 op_type, 5 attribute, 7 domain, 8 overload. Replaced: 1 input, 2 output, 3 name. Dropped: 6 doc, 9 metadata.
    if (f.no === 4 || f.no === 5 || f.no === 7 || f.no === 8) w.raw(field.subarray(f.keyStart, f.end));
  }
  return w;
}
