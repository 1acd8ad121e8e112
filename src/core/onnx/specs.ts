// Specs for the ONNX messages that can hold weights: AttributeProto, NodeProto, GraphProto, ModelProto.
// Field numbers are from onnx/onnx.proto3 (ONNX 1.17).
import type { AttributeValue, GraphInfo, ModelInfo, NodeInfo, OpsetInfo, TensorInfo, ValueInfo } from './types';
import { LIMITS, type Spec } from './walk';
import { entrySpec, int, opsetSpec, str, valueInfoSpec, want } from './specsSmall';
import { type TensorDraft, tensorSpec } from './specsTensor';
import { FormatError, WIRE_I32, WIRE_LEN, WIRE_VARINT, readPackedFloats, readPackedVarints } from './wire';

interface AttributeDraft {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: TensorInfo;
  g?: GraphInfo;
  floats: number[];
  ints: number[];
  strings: string[];
  tensors: TensorInfo[];
  graphs: GraphInfo[];
}

function toTensorInfo(d: TensorDraft): TensorInfo {
  const { externalEntries: _e, location: _l, range: _r, ...info } = d;
  return info;
}

/** AttributeProto: 1 name, 20 type, 2 f, 3 i, 4 s, 5 t, 6 g, 7 floats, 8 ints, 9 strings, 10 tensors, 11 graphs. */
export const attributeSpec: Spec<AttributeDraft> = {
  name: 'AttributeProto',
  eager: 16 * 1024,
  create: () => ({ name: '', type: 0, floats: [], ints: [], strings: [], tensors: [], graphs: [] }),
  child(no) {
    if (no === 5 || no === 10) return tensorSpec as Spec<unknown>;
    if (no === 6 || no === 11) return graphSpec as Spec<unknown>;
    return undefined;
  },
  skip: (no) => (no === 13 || no === 14 || no === 15 || no === 22 || no === 23 ? 'ignore' : undefined),
  onChild(m, no, child) {
    if (no === 5) m.t = toTensorInfo(child as TensorDraft);
    else if (no === 10) m.tensors.push(toTensorInfo(child as TensorDraft));
    else if (no === 6) m.g = child as GraphInfo;
    else if (no === 11) m.graphs.push(child as GraphInfo);
  },
  field(m, f, buf, base) {
    switch (f.no) {
      case 1:
        m.name = str(this.name, f, buf, base);
        break;
      case 20:
        m.type = int(this.name, f, base);
        break;
      case 2:
        want(this.name, f, WIRE_I32, base);
        m.f = f.value;
        break;
      case 3:
        m.i = int(this.name, f, base);
        break;
      case 4:
        m.s = str(this.name, f, buf, base);
        break;
      case 7:
        if (f.wire === WIRE_LEN) readPackedFloats(buf, f.start, f.end, base, m.floats, LIMITS.maxList);
        else {
          want(this.name, f, WIRE_I32, base);
          if (m.floats.length >= LIMITS.maxList) throw new FormatError('too many floats in one attribute', base + f.keyStart);
          m.floats.push(f.value);
        }
        break;
      case 8:
        if (f.wire === WIRE_LEN) readPackedVarints(buf, f.start, f.end, base, m.ints, LIMITS.maxList);
        else {
          want(this.name, f, WIRE_VARINT, base);
          if (m.ints.length >= LIMITS.maxList) throw new FormatError('too many ints in one attribute', base + f.keyStart);
          m.ints.push(f.value);
        }
        break;
      case 9:
        if (m.strings.length >= LIMITS.maxList) throw new FormatError('too many strings in one attribute', base + f.keyStart);
        m.strings.push(str(this.name, f, buf, base));
        break;
    }
  },
};

/** The attribute's value by its declared type (or, for old models without `type`, by what is set). */
function attributeValue(a: AttributeDraft): AttributeValue {
  switch (a.type) {
    case 1:
      return a.f ?? 0;
    case 2:
      return a.i ?? 0;
    case 3:
      return a.s ?? '';
    case 4:
      return a.t ?? null;
    case 6:
      return a.floats;
    case 7:
      return a.ints;
    case 8:
      return a.strings;
    case 9:
      return a.tensors;
    case 5:
    case 10:
      return null;
  }
  return a.i ?? a.f ?? a.s ?? a.t ?? (a.ints.length ? a.ints : a.floats.length ? a.floats : a.strings.length ? a.strings : null);
}

/** NodeProto: 1 input, 2 output, 3 name, 4 op_type, 5 attribute, 7 domain, 9 metadata_props. */
export const nodeSpec: Spec<NodeInfo> = {
  name: 'NodeProto',
  eager: 16 * 1024,
  create: () => ({
    name: '',
    opType: '',
    domain: '',
    inputs: [],
    outputs: [],
    attributes: {},
    subgraphs: {},
    metadata: {},
    index: 0,
    range: { offset: 0, length: 0 },
  }),
  child(no) {
    if (no === 5) return attributeSpec as Spec<unknown>;
    if (no === 9) return entrySpec as Spec<unknown>;
    return undefined;
  },
  skip: (no) => (no === 6 || no === 8 || no === 10 ? 'ignore' : undefined),
  onChild(m, no, child) {
    if (no === 9) {
      const e = child as { key: string; value: string };
      m.metadata[e.key] = e.value;
      return;
    }
    const a = child as AttributeDraft;
    m.attributes[a.name] = attributeValue(a);
    if (a.g) m.subgraphs[a.name] = a.g;
    a.graphs.forEach((g, i) => (m.subgraphs[`${a.name}[${i}]`] = g));
  },
  field(m, f, buf, base) {
    if (f.no === 1 || f.no === 2) {
      const list = f.no === 1 ? m.inputs : m.outputs;
      if (list.length >= 65536) throw new FormatError('a node has more than 65536 inputs or outputs', base + f.keyStart);
      list.push(str(this.name, f, buf, base));
    } else if (f.no === 3) m.name = str(this.name, f, buf, base);
    else if (f.no === 4) m.opType = str(this.name, f, buf, base);
    else if (f.no === 7) m.domain = str(this.name, f, buf, base);
  },
  done(m) {
    if (m.domain === 'ai.onnx') m.domain = '';
    return m;
  },
};

/** GraphProto: 1 node, 2 name, 5 initializer, 11 input, 12 output, 13 value_info; the rest skipped. */
export const graphSpec: Spec<GraphInfo> = {
  name: 'GraphProto',
  eager: 64 * 1024,
  graph: true,
  create: () => ({ name: '', inputs: [], outputs: [], nodes: [], initializers: [], valueInfo: [], ranges: [] }),
  child(no) {
    if (no === 1) return nodeSpec as Spec<unknown>;
    if (no === 5) return tensorSpec as Spec<unknown>;
    if (no === 11 || no === 12 || no === 13) return valueInfoSpec as Spec<unknown>;
    return undefined;
  },
  skip: (no) => (no === 10 || no === 14 || no === 15 || no === 16 ? 'ignore' : undefined),
  onChild(m, no, child, field, ctx) {
    if (no === 1) {
      if (++ctx.nodes > LIMITS.maxNodes) throw new FormatError(`more than ${LIMITS.maxNodes} nodes`, field.offset);
      const n = child as NodeInfo;
      n.index = m.nodes.length;
      n.range = field;
      m.nodes.push(n);
    } else if (no === 5) {
      const t = child as TensorDraft;
      t.range = field;
      const { externalEntries: _e, location: _l, ...info } = t;
      m.initializers.push(info);
    } else if (no === 11) m.inputs.push(child as ValueInfo);
    else if (no === 12) m.outputs.push(child as ValueInfo);
    else m.valueInfo.push(child as ValueInfo);
  },
  field(m, f, buf, base) {
    if (f.no === 2) m.name = str(this.name, f, buf, base);
  },
};

/** Protobuf merges a message field that appears more than once; surgery relies on it, so the reader does too. */
export function mergeGraph(into: GraphInfo, more: GraphInfo): void {
  if (more.name) into.name = more.name;
  into.inputs.push(...more.inputs);
  into.outputs.push(...more.outputs);
  for (const n of more.nodes) into.nodes.push({ ...n, index: into.nodes.length });
  into.initializers.push(...more.initializers);
  into.valueInfo.push(...more.valueInfo);
  into.ranges.push(...more.ranges);
}

export type ModelDraft = Omit<ModelInfo, 'path' | 'byteLength' | 'externalDataFiles' | 'graph'> & {
  graph?: GraphInfo;
  /** Set once a field that only a ModelProto has was seen with the right wire type. */
  recognised: boolean;
};

/** Fields a ModelProto may have, with their wire types, for telling "not ONNX" from "broken ONNX". */
export const MODEL_FIELDS: Record<number, number> = {
  1: WIRE_VARINT,
  2: WIRE_LEN,
  3: WIRE_LEN,
  4: WIRE_LEN,
  5: WIRE_VARINT,
  6: WIRE_LEN,
  7: WIRE_LEN,
  8: WIRE_LEN,
  14: WIRE_LEN,
  20: WIRE_LEN,
  25: WIRE_LEN,
  26: WIRE_LEN,
};

/** ModelProto: 1 ir_version, 2 producer_name, 3 producer_version, 7 graph, 8 opset_import, 14 metadata_props. */
export const modelSpec: Spec<ModelDraft> = {
  name: 'ModelProto',
  eager: 0, // always walked from the file
  create: () => ({ irVersion: 0, producerName: '', producerVersion: '', opsets: [], metadata: {}, recognised: false }),
  child(no) {
    if (no === 7) return graphSpec as Spec<unknown>;
    if (no === 8) return opsetSpec as Spec<unknown>;
    if (no === 14) return entrySpec as Spec<unknown>;
    return undefined;
  },
  skip: (no) => (no === 4 || no === 6 || no === 20 || no === 25 || no === 26 ? 'ignore' : undefined),
  onChild(m, no, child, field) {
    m.recognised = true;
    if (no === 7) {
      const g = child as GraphInfo;
      g.ranges.push(field);
      if (m.graph) mergeGraph(m.graph, g);
      else m.graph = g;
    } else if (no === 8) m.opsets.push(child as OpsetInfo);
    else {
      const e = child as { key: string; value: string };
      m.metadata[e.key] = e.value;
    }
  },
  field(m, f, buf, base) {
    if (f.no === 1) m.irVersion = int(this.name, f, base);
    else if (f.no === 2) m.producerName = str(this.name, f, buf, base);
    else if (f.no === 3) m.producerVersion = str(this.name, f, buf, base);
    else if (f.no === 5) int(this.name, f, base);
    else return;
    m.recognised = true;
  },
};
