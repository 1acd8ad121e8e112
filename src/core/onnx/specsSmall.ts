// Specs for the small ONNX messages: ValueInfoProto and its TypeProto, string pairs, opset ids.
// Field numbers are from onnx/onnx.proto3 (ONNX 1.17).
import type { OpsetInfo, ValueInfo } from './types';
import { elemTypeName } from './types';
import type { Spec } from './walk';
import { type FieldHeader, FormatError, WIRE_LEN, WIRE_VARINT, decodeString } from './wire';

const SMALL = 1 << 30; // always decoded in memory

export function want(spec: string, f: FieldHeader, wire: number, base: number): void {
  if (f.wire !== wire) throw new FormatError(`field ${f.no} of ${spec} has wire type ${f.wire}, expected ${wire}`, base + f.keyStart);
}

export function str(spec: string, f: FieldHeader, buf: Uint8Array, base: number): string {
  want(spec, f, WIRE_LEN, base);
  return decodeString(buf.subarray(f.start, f.end));
}

export function int(spec: string, f: FieldHeader, base: number): number {
  want(spec, f, WIRE_VARINT, base);
  return f.value;
}

/** StringStringEntryProto: 1 key, 2 value. */
export const entrySpec: Spec<{ key: string; value: string }> = {
  name: 'StringStringEntryProto',
  eager: SMALL,
  create: () => ({ key: '', value: '' }),
  field(m, f, buf, base) {
    if (f.no === 1) m.key = str(this.name, f, buf, base);
    else if (f.no === 2) m.value = str(this.name, f, buf, base);
  },
};

/** OperatorSetIdProto: 1 domain, 2 version. */
export const opsetSpec: Spec<OpsetInfo> = {
  name: 'OperatorSetIdProto',
  eager: SMALL,
  create: () => ({ domain: '', version: 0 }),
  field(m, f, buf, base) {
    if (f.no === 1) m.domain = str(this.name, f, buf, base);
    else if (f.no === 2) m.version = int(this.name, f, base);
  },
};

interface Dim {
  value: number | string | null;
}

/** TensorShapeProto.Dimension: 1 dim_value, 2 dim_param, 3 denotation. */
const dimSpec: Spec<Dim> = {
  name: 'TensorShapeProto.Dimension',
  eager: SMALL,
  create: () => ({ value: null }),
  field(m, f, buf, base) {
    if (f.no === 1) m.value = int(this.name, f, base);
    else if (f.no === 2) m.value = str(this.name, f, buf, base);
  },
};

/** TensorShapeProto: 1 dim (repeated). */
const shapeSpec: Spec<(number | string | null)[]> = {
  name: 'TensorShapeProto',
  eager: SMALL,
  create: () => [],
  child: (no) => (no === 1 ? (dimSpec as Spec<unknown>) : undefined),
  onChild(m, _no, child) {
    m.push((child as Dim).value);
  },
  field() {},
};

interface TypeInfo {
  elemType?: number;
  shape?: (number | string | null)[];
  /** Set for sequence/map/optional types: the value is not a plain tensor. */
  other?: boolean;
}

/** TypeProto.Tensor and TypeProto.SparseTensor: 1 elem_type, 2 shape. */
const tensorTypeSpec: Spec<TypeInfo> = {
  name: 'TypeProto.Tensor',
  eager: SMALL,
  create: () => ({}),
  child: (no) => (no === 2 ? (shapeSpec as Spec<unknown>) : undefined),
  onChild(m, _no, child) {
    m.shape = child as (number | string | null)[];
  },
  field(m, f, _buf, base) {
    if (f.no === 1) m.elemType = int(this.name, f, base);
  },
};

/** Sequence/Optional (1 elem_type: TypeProto) and Map (2 value_type: TypeProto): walked only for bounds. */
const nestedTypeSpec: Spec<TypeInfo> = {
  name: 'TypeProto (nested)',
  eager: SMALL,
  create: () => ({ other: true }),
  child: (no) => (no === 1 || no === 2 ? (typeSpec as Spec<unknown>) : undefined),
  onChild() {},
  field() {},
};

/** TypeProto: 1 tensor_type, 4 sequence_type, 5 map_type, 8 sparse_tensor_type, 9 optional_type, 6 denotation. */
export const typeSpec: Spec<TypeInfo> = {
  name: 'TypeProto',
  eager: SMALL,
  create: () => ({}),
  child(no) {
    if (no === 1 || no === 8) return tensorTypeSpec as Spec<unknown>;
    if (no === 4 || no === 5 || no === 9) return nestedTypeSpec as Spec<unknown>;
    return undefined;
  },
  onChild(m, no, child) {
    const c = child as TypeInfo;
    if (no === 1 || no === 8) {
      if (c.elemType !== undefined) m.elemType = c.elemType;
      if (c.shape) m.shape = c.shape;
    } else m.other = true;
  },
  field() {},
};

/** ValueInfoProto: 1 name, 2 type, 3 doc_string, 4 metadata_props. */
export const valueInfoSpec: Spec<ValueInfo> = {
  name: 'ValueInfoProto',
  eager: SMALL,
  create: () => ({ name: '' }),
  child: (no) => (no === 2 ? (typeSpec as Spec<unknown>) : undefined),
  skip: (no) => (no === 3 || no === 4 ? 'ignore' : undefined),
  onChild(m, _no, child) {
    const t = child as TypeInfo;
    if (t.other) return;
    if (t.elemType !== undefined) m.elemType = elemTypeName(t.elemType);
    if (t.shape) m.shape = t.shape;
  },
  field(m, f, buf, base) {
    if (f.no === 1) m.name = str(this.name, f, buf, base);
  },
};
