// Assembles generated decoder graphs into whole models in memory (small ones, for tests): plain, with past,
// and an Optimum-style merged decoder (one top-level If on use_cache_branch, shared initializers outside).
import type { onnx } from 'onnx-proto';
import { type GptParts, type GptSpec, type InitSpec, gptGraph } from './gptGraph';
import { T, fillRandom, floatTensor, model, node, vi } from './onnxBuild';

export function initValues(s: InitSpec): Float32Array {
  const out = fillRandom(new Float32Array(s.dims.reduce((a, b) => a * b, 1)), s.seed, s.scale);
  if (s.one) for (let i = 0; i < out.length; i++) out[i] += 1;
  return out;
}

function materialise(inits: InitSpec[]): onnx.ITensorProto[] {
  return inits.map((s) => floatTensor(s.name, initValues(s), s.dims));
}

export function gptModel(
  spec: GptSpec,
  opts: { opset?: number; metadata?: Record<string, string>; transform?: (p: GptParts) => void } = {},
): Uint8Array {
  const p = gptGraph(spec);
  opts.transform?.(p);
  return model(
    {
      name: 'main_graph',
      node: p.nodes,
      input: p.inputs,
      output: p.outputs,
      valueInfo: p.valueInfo,
      initializer: materialise(p.initializers),
    },
    { opset: opts.opset ?? 17, metadata: opts.metadata },
  );
}

/** Renames a branch's output tensors so they do not shadow the If outputs of the same name. */
function branch(p: GptParts, name: string, tag: string): onnx.IGraphProto {
  const rename = new Map(p.outputs.map((o) => [o.name!, `${o.name}_${tag}`]));
  const r = (n: string) => rename.get(n) ?? n;
  return {
    name,
    node: p.nodes.map((n) => ({ ...n, input: n.input!.map(r), output: n.output!.map(r) })),
    output: p.outputs.map((o) => ({ ...o, name: r(o.name!) })),
    valueInfo: p.valueInfo,
  };
}

export interface MergedOptions {
  opset?: number;
  /** Build the masks once in the outer graph (branches capture them), instead of inside each branch. */
  masksOutside?: boolean;
  /** Keep these initializers inside each branch instead of the outer graph (what a merge that does not deduplicate writes). */
  branchInitializers?: string[];
}

/** Nodes of the model scope itself (`/model/Where`, shape constants): the mask construction. */
const isModelScope = (n: onnx.INodeProto) => /^\/model\/[^/]+$/.test(n.name ?? '');

/** Optimum's merged layout: If(use_cache_branch) { then: with past, else: without }, initializers outside. */
export function mergedGptModel(spec: GptSpec, opts: MergedOptions = {}): Uint8Array {
  const withPast = gptGraph({ ...spec, past: true });
  const noPast = gptGraph({ ...spec, past: false });
  const outer: onnx.INodeProto[] = [];
  if (opts.masksOutside) {
    outer.push(...withPast.nodes.filter(isModelScope));
    withPast.nodes = withPast.nodes.filter((n) => !isModelScope(n));
    noPast.nodes = noPast.nodes.filter((n) => !isModelScope(n));
  }
  const inBranch = (i: { name: string }) => opts.branchInitializers?.includes(i.name) ?? false;
  const local = materialise(withPast.initializers.filter(inBranch));
  const ifNode = node(
    'If',
    ['use_cache_branch'],
    withPast.outputs.map((o) => o.name!),
    'optimum::if',
    {
      then_branch: { ...branch(withPast, 'with_past', 'wp'), initializer: local },
      else_branch: { ...branch(noPast, 'no_past', 'np'), initializer: local },
    },
  );
  return model(
    {
      name: 'merged',
      node: [...outer, ifNode],
      input: [...withPast.inputs, vi('use_cache_branch', T.BOOL, [1])],
      output: withPast.outputs,
      initializer: materialise(withPast.initializers.filter((i) => !inBranch(i))),
    },
    { opset: opts.opset ?? 17 },
  );
}

/**
 * The merged layout as parts for the streaming writer (bench/graph/bigModel.ts): the If node, its branches'
 * nodes inside it, and every initializer outside once (deduplicated, as Optimum's merge writes them).
 */
export function mergedGptParts(spec: GptSpec): GptParts {
  const withPast = gptGraph({ ...spec, past: true });
  const noPast = gptGraph({ ...spec, past: false });
  const ifNode = node(
    'If',
    ['use_cache_branch'],
    withPast.outputs.map((o) => o.name!),
    'optimum::if',
    { then_branch: branch(withPast, 'with_past', 'wp'), else_branch: branch(noPast, 'no_past', 'np') },
  );
  return {
    nodes: [ifNode],
    inputs: [...withPast.inputs, vi('use_cache_branch', T.BOOL, [1])],
    outputs: withPast.outputs,
    valueInfo: [],
    initializers: withPast.initializers,
  };
}
