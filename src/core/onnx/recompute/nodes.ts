// Encodes the small nodes a recomputation appends to a graph (NodeProto bodies with int, float, int-list and
// small-tensor attributes), each named under one prefix so they never collide with the model's own names.
import { type ElemType, elemTypeNumber } from '../types';
import { Writer } from '../wire';

const ATTR = { FLOAT: 1, INT: 2, TENSOR: 4, INTS: 7 } as const;
const FLOAT32 = 1;
const INT64 = 7;

export type Attr = number | { float: number } | number[] | { int64: number[]; dims: number[] } | { float32: number[]; dims: number[] };

/** A node to append, already encoded (surgery writes `body` as the NodeProto as is). */
export interface EncodedNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  body: Uint8Array;
}

function tensor(values: number[], dims: number[], type: number): Writer {
  const size = type === INT64 ? 8 : 4;
  const raw = new Uint8Array(values.length * size);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => (type === INT64 ? view.setBigInt64(i * 8, BigInt(v), true) : view.setFloat32(i * 4, v, true)));
  const t = new Writer();
  for (const d of dims) t.varint(1, d);
  return t.varint(2, type).bytes(9, raw);
}

function attribute(name: string, value: Attr): Writer {
  const w = new Writer().string(1, name);
  if (typeof value === 'number') return w.varint(3, value).varint(20, ATTR.INT);
  if (Array.isArray(value)) {
    for (const v of value) w.varint(8, v);
    return w.varint(20, ATTR.INTS);
  }
  if ('float' in value) return w.float(2, value.float).varint(20, ATTR.FLOAT);
  if ('int64' in value) return w.message(5, tensor(value.int64, value.dims, INT64)).varint(20, ATTR.TENSOR);
  return w.message(5, tensor(value.float32, value.dims, FLOAT32)).varint(20, ATTR.TENSOR);
}

/** Builds a run of appended nodes; every tensor it makes is `<prefix>/<name>`. */
export class NodeBuilder {
  readonly nodes: EncodedNode[] = [];
  private readonly used = new Set<string>();

  constructor(
    private readonly prefix: string,
    /** The element type of the op's float tensors: float constants are cast to it. */
    private readonly elem: ElemType = 'float32',
  ) {}

  /** Appends a node and returns its outputs' names. */
  add(opType: string, inputs: string[], name: string, attributes: Record<string, Attr> = {}, outputs = 1, domain = ''): string[] {
    let unique = name;
    for (let i = 1; this.used.has(unique); i++) unique = `${name}_${i}`;
    this.used.add(unique);
    const full = `${this.prefix}/${unique}`;
    const outs = outputs === 1 ? [full] : Array.from({ length: outputs }, (_, i) => `${full}_${i}`);
    const w = new Writer();
    for (const i of inputs) w.string(1, i);
    for (const o of outs) w.string(2, o);
    w.string(3, full).string(4, opType);
    for (const [k, v] of Object.entries(attributes)) w.message(5, attribute(k, v));
    if (domain) w.string(7, domain);
    this.nodes.push({ opType, inputs, outputs: outs, name: full, body: w.finish() });
    return outs;
  }

  one(opType: string, inputs: string[], name: string, attributes: Record<string, Attr> = {}): string {
    return this.add(opType, inputs, name, attributes)[0];
  }

  /** An int64 constant (dims [] for a scalar). */
  int64(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.one('Constant', [], name, { value: { int64: values, dims } });
  }

  /** A float scalar constant of the op's element type. */
  float(name: string, value: number): string {
    const c = this.one('Constant', [], name, { value: { float32: [value], dims: [] } });
    return this.elem === 'float32' ? c : this.one('Cast', [c], `${name}_cast`, { to: elemTypeNumber(this.elem) });
  }
}
