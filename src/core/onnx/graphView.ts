// Lookups over one graph (producers, consumers, types, small constants), chained to the enclosing graph so a
// branch of an If can resolve the outer-scope names it uses.
import type { GraphInfo, InitializerInfo, NodeInfo, TensorInfo, ValueInfo } from './types';

/** One step from a graph into a subgraph: the node (by index in its graph) and the graph attribute. */
export interface BranchStep {
  node: string;
  nodeIndex: number;
  opType: string;
  attribute: string;
}

export class GraphView {
  readonly producer = new Map<string, NodeInfo>();
  readonly consumers = new Map<string, NodeInfo[]>();
  readonly initializers = new Map<string, InitializerInfo>();
  readonly values = new Map<string, ValueInfo>();
  readonly inputs: Set<string>;
  readonly outputs: Set<string>;

  constructor(
    readonly graph: GraphInfo,
    readonly parent: GraphView | null,
    readonly path: BranchStep[],
    readonly opset: number,
  ) {
    for (const n of graph.nodes) {
      for (const o of n.outputs) if (o) this.producer.set(o, n);
      for (const i of n.inputs) {
        if (!i) continue;
        const list = this.consumers.get(i);
        if (list) list.push(n);
        else this.consumers.set(i, [n]);
      }
    }
    for (const t of graph.initializers) this.initializers.set(t.name, t);
    for (const v of [...graph.valueInfo, ...graph.inputs, ...graph.outputs]) this.values.set(v.name, v);
    this.inputs = new Set(graph.inputs.map((v) => v.name).filter((n) => !this.initializers.has(n)));
    this.outputs = new Set(graph.outputs.map((v) => v.name));
  }

  /** The node making `name`, here or in an enclosing graph. */
  producerOf(name: string): NodeInfo | undefined {
    return this.producer.get(name) ?? (this.isLocal(name) ? undefined : this.parent?.producerOf(name));
  }

  /** Whether `name` is defined in this graph (by a node, an initializer or an input). */
  isLocal(name: string): boolean {
    return this.producer.has(name) || this.initializers.has(name) || this.inputs.has(name);
  }

  /** Whether `name` is a real input of the model (the outermost graph's inputs, not initializers). */
  isModelInput(name: string): boolean {
    if (this.isLocal(name)) return this.parent === null && this.inputs.has(name);
    return this.parent?.isModelInput(name) ?? false;
  }

  initializer(name: string): InitializerInfo | undefined {
    return this.initializers.get(name) ?? (this.isLocal(name) ? undefined : this.parent?.initializer(name));
  }

  info(name: string): ValueInfo | undefined {
    return this.values.get(name) ?? this.parent?.info(name);
  }

  /** Initializers and Constant outputs (and what derives only from them, a few steps deep). */
  isConstant(name: string, depth = 4): boolean {
    if (!name) return true;
    if (this.initializer(name)) return true;
    const p = this.producerOf(name);
    if (!p) return false;
    if (p.opType === 'Constant') return true;
    // A tensor filled to a run-time shape (a causal mask's base) is not a constant of the model.
    if (p.opType === 'ConstantOfShape') return depth > 0 && this.isConstant(p.inputs[0] ?? '', depth - 1);
    if (depth <= 0 || p.inputs.length === 0) return false;
    return p.inputs.every((i) => this.isConstant(i, depth - 1));
  }

  /** Small integer constant values (shape constants), or undefined. */
  intValues(name: string): number[] | undefined {
    const init = this.initializer(name);
    if (init) return tensorInts(init);
    const p = this.producerOf(name);
    if (p?.opType !== 'Constant') return undefined;
    const ints = p.attributes['value_ints'] ?? p.attributes['value_int'];
    if (typeof ints === 'number') return [ints];
    if (Array.isArray(ints) && ints.every((x) => typeof x === 'number')) return ints as number[];
    const t = p.attributes['value'];
    return t && typeof t === 'object' && !Array.isArray(t) ? tensorInts(t) : undefined;
  }

  rank(name: string): number | undefined {
    return this.info(name)?.shape?.length;
  }
}

/** Decodes the int64/int32 values of a tiny tensor whose payload the reader kept. */
export function tensorInts(t: TensorInfo): number[] | undefined {
  const b = t.small;
  if (!b) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (t.dataField === 'raw_data' && t.dataType === 7 && b.length % 8 === 0) {
    return Array.from({ length: b.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  }
  if (t.dataField === 'raw_data' && t.dataType === 6 && b.length % 4 === 0) {
    return Array.from({ length: b.length / 4 }, (_, i) => view.getInt32(i * 4, true));
  }
  if (t.dataField === 'int64_data' || t.dataField === 'int32_data') return readVarints(b);
  return undefined;
}

function readVarints(b: Uint8Array): number[] | undefined {
  const out: number[] = [];
  let v = 0;
  let mul = 1;
  for (const byte of b) {
    v += (byte & 0x7f) * mul;
    mul *= 128;
    if ((byte & 0x80) === 0) {
      out.push(v >= 2 ** 63 ? v - 2 ** 64 : v);
      v = 0;
      mul = 1;
    }
  }
  return out;
}
