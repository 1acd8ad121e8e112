// Small helpers to write ONNX graphs with onnx-proto (tests and the benchmark's model generator).
import { onnx } from 'onnx-proto';

export const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

export type AttrValue = number | number[] | string | { float: number } | onnx.ITensorProto | onnx.IGraphProto;

function attr(name: string, v: AttrValue): onnx.IAttributeProto {
  if (typeof v === 'number') return { name, type: A.INT, i: v };
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  if ('node' in v || 'output' in v) return { name, type: A.GRAPH, g: v as onnx.IGraphProto };
  return { name, type: A.TENSOR, t: v as onnx.ITensorProto };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attrs: Record<string, AttrValue> = {},
  domain = '',
): onnx.INodeProto {
  return { opType, input: inputs, output: outputs, name, domain, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)) };
}

export function vi(name: string, elemType?: number, shape?: (number | string)[]): onnx.IValueInfoProto {
  if (elemType === undefined) return { name };
  return {
    name,
    type: {
      tensorType: {
        elemType,
        ...(shape ? { shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}),
      },
    },
  };
}

export function int64Tensor(name: string, values: number[], dims = [values.length]): onnx.ITensorProto {
  const b = new BigInt64Array(values.map((v) => BigInt(v)));
  return { name, dims, dataType: T.INT64, rawData: new Uint8Array(b.buffer) };
}

export function floatTensor(name: string, values: Float32Array | number[], dims: number[]): onnx.ITensorProto {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  return { name, dims, dataType: T.FLOAT, rawData: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) };
}

export function constant(out: string, t: onnx.ITensorProto, name = `${out}_Constant`): onnx.INodeProto {
  return node('Constant', [], [out], name, { value: { ...t, name: '' } });
}

export interface ModelOptions {
  opset?: number;
  msOpset?: boolean;
  irVersion?: number;
  metadata?: Record<string, string>;
}

export function model(graph: onnx.IGraphProto, o: ModelOptions = {}): Uint8Array {
  const opsetImport: onnx.IOperatorSetIdProto[] = [{ domain: '', version: o.opset ?? 17 }];
  if (o.msOpset) opsetImport.push({ domain: 'com.microsoft', version: 1 });
  return onnx.ModelProto.encode({
    irVersion: o.irVersion ?? 8,
    producerName: 'decoder-lens-tests',
    opsetImport,
    graph,
    metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
  }).finish();
}

/** Deterministic small pseudo-random floats (xorshift), so generated models run without overflow. */
export function fillRandom(out: Float32Array, seed: number, scale: number): Float32Array {
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = ((x / 4294967296) * 2 - 1) * scale;
  }
  return out;
}
