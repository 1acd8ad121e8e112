/** A small ONNX graph builder for the benchmarks' generated models (onnx-proto's generated writer). */
import { onnx } from 'onnx-proto';

type Attr = number | number[] | string | { float: number } | { floats: number[] };
const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private counter = 0;

  input(name: string, type: 'float32' | 'int64' | 'bool', shape: (number | string)[]): string {
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  output(name: string, type: 'float32' | 'int64', shape: (number | string)[]): void {
    this.outputs.push(valueInfo(name, type, shape));
  }

  floats(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  ints(name: string, values: number[]): string {
    const data = BigInt64Array.from(values, BigInt);
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  scalar(name: string, value: number): string {
    this.initializers.push({ name, dims: [], dataType: DataType.FLOAT, rawData: new Uint8Array(Float32Array.of(value).buffer) });
    return name;
  }

  /** Adds a node named `${scope}/${op}_${n}`; returns its output names (`<node>_output_<i>`, as TorchScript names them). */
  node(scope: string, op: string, inputs: string[], outputCount = 1, attrs: Record<string, Attr> = {}, outputs?: string[]): string[] {
    const name = `${scope}/${op}_${this.counter++}`;
    const outs = outputs ?? Array.from({ length: outputCount }, (_, i) => `${name}_output_${i}`);
    this.nodes.push({ name, opType: op, input: inputs, output: outs, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return outs;
  }

  one(scope: string, op: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.node(scope, op, inputs, 1, attrs)[0];
  }

  encode(opset = 17): Uint8Array {
    return onnx.ModelProto.encode({
      irVersion: 8,
      producerName: 'decoder-lens-bench',
      opsetImport: [{ domain: '', version: opset }],
      graph: { name: 'bench', node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    }).finish();
  }
}

function valueInfo(name: string, type: 'float32' | 'int64' | 'bool', shape: (number | string)[]): onnx.IValueInfoProto {
  const elemType = type === 'float32' ? DataType.FLOAT : type === 'int64' ? DataType.INT64 : DataType.BOOL;
  return { name, type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

function attribute(name: string, value: Attr): onnx.IAttributeProto {
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

/** Deterministic normal(0, std) weights (a seeded LCG + Box-Muller): the same model every run. */
export function randomWeights(count: number, std: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 1) / 4294967297;
  };
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const t = 2 * Math.PI * next();
    out[i] = r * Math.cos(t) * std;
    if (i + 1 < count) out[i + 1] = r * Math.sin(t) * std;
  }
  return out;
}
