// Intervention hooks planned into the graph beside the taps, identity when fed their defaults:
//  - per attention layer, each head's output (its slice of softmax(QKᵀ)·V, before the heads are merged and
//    projected) becomes `out · gate + mean`, with `gate` [batch, heads] and `mean` [batch, heads, head_dim or 1]
//    fed as model inputs (ones and zeros leave every bit as it was);
//  - per layer, the residual stream after the block becomes `Where(patch_mask, patch_value, residual)`.
// The MatMul(probs, V) (or the block's last node) gets a new output name and the appended nodes make the old
// name, so every consumer reads the hooked tensor. Nodes inside Optimum's merged If read the new top-level
// inputs as outer-scope values, in both branches.
import { GraphView, type BranchStep } from '../onnx/graphView';
import type { Planner } from '../onnx/planner';
import type { GraphEdit, NewNode, NodeChange } from '../onnx/surgeryBytes';
import type { TapReport } from '../onnx/taps';
import type { AttentionKind } from '../trace/types';
import { type GraphInfo, type ModelInfo, type NodeInfo, elemTypeNumber } from '../onnx/types';
import { type LensNode, encodeNode, int64Constant } from '../lens/nodes';
import { Writer } from '../onnx/wire';

/** 'encoder': the self attention of an encoder-decoder model's encoder file. */
export type HookKind = AttentionKind;

/** One attention layer's head hooks. */
export interface HeadHook {
  layer: number;
  kind: HookKind;
  heads: number;
  /** Model inputs: float [batch, heads] and float [batch, heads, head_dim] (or [batch, heads, 1]). */
  gate: string;
  mean: string;
  /** When asked for: the graph output with the (hooked) head outputs, [batch, heads, q, head_dim] or (layout 'positions-first', fused ops) [batch, q, heads, head_dim]. */
  output: string | null;
  layout: 'heads-first' | 'positions-first';
  /** The head size when the graph states it (then the mean input is declared [batch, heads, headDim]). */
  headDim: number | null;
}

/** One layer's residual-stream patch. */
export interface PatchHook {
  layer: number;
  encoder: boolean;
  /** Model inputs: bool [batch, q, 1] (or broadcastable) and float [batch, q, hidden]. */
  mask: string;
  value: string;
}

export interface HookPlan {
  heads: HeadHook[];
  patches: PatchHook[];
  /** Attention the hooks could not reach, and why. */
  unavailable: { node: string; reason: string }[];
  /** The logits hold only the last position (asked for with `lastRowLogits` and possible in this graph). */
  lastRowLogits: boolean;
  /** The top-level nodes and graph inputs, one more `graph { … }` field for the end of the model. */
  appendix: Uint8Array;
}

export const HOOK_PREFIX = 'decoder_lens.';
const kindPart = (kind: HookKind) => (kind === 'self' ? '' : `${kind}.`);
export const headGateName = (kind: HookKind, layer: number) => `${HOOK_PREFIX}head_gate.${kindPart(kind)}${layer}`;
export const headMeanName = (kind: HookKind, layer: number) => `${HOOK_PREFIX}head_mean.${kindPart(kind)}${layer}`;
/** `encoder`: the residual stream of an encoder-decoder model's encoder file. */
export const patchMaskName = (layer: number, encoder = false) => `${HOOK_PREFIX}patch_mask.${encoder ? 'encoder.' : ''}${layer}`;
export const patchValueName = (layer: number, encoder = false) => `${HOOK_PREFIX}patch_value.${encoder ? 'encoder.' : ''}${layer}`;

const FLOAT = 1;
const BOOL = 9;
const PASS = new Set(['Cast', 'Identity', 'Dropout', 'Reshape']);

/**
 * Adds the hook edits to `plan` (the same edit tree the taps use) and returns the inputs they read.
 * `fallbackHeads`: the head count when the graph does not say (config.json's).
 */
export function planHooks(
  model: ModelInfo,
  report: TapReport,
  plan: Planner,
  options: { fallbackHeads: number | null; exposeHeadOutputs: boolean; lastRowLogits?: boolean; residualPatches?: boolean },
): HookPlan {
  const opset = model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
  const top: LensNode[] = [];
  // Declared dimensions: the model's own batch dimension and, where known, static heads and head size, so
  // ONNX Runtime's shape inference (which later fusions such as SkipLayerNormalization need) sees through the hooks.
  const inputs: { name: string; elemType: number; dims: Dim[] }[] = [];
  const batch: Dim = model.graph.inputs.find((i) => i.name === 'input_ids')?.shape?.[0] ?? null;
  const unavailable: HookPlan['unavailable'] = [];
  const heads: HeadHook[] = [];
  const patches: PatchHook[] = [];
  // Hook inputs are fed as float32; a float16 (or bfloat16) graph gets them cast once at the top level.
  const floatType = graphFloatType(model);
  const shapes = new Map<string, string>();
  /** The input reshaped to broadcast (a Reshape by constant shape, or an Unsqueeze, which keeps every dimension), cast to the graph's float type. */
  const shaped = (input: string, how: { shape: number[] } | { unsqueeze: number[] }): LensNode[] => {
    const out = `decoder_lens/hooks/${input}`;
    const mid = floatType === FLOAT ? out : `${out}/float32`;
    const nodes: LensNode[] =
      'shape' in how
        ? [{ opType: 'Reshape', inputs: [input, shape(how.shape)], outputs: [mid], name: mid }]
        : opset >= 13
          ? [{ opType: 'Unsqueeze', inputs: [input, shape(how.unsqueeze)], outputs: [mid], name: mid }]
          : [{ opType: 'Unsqueeze', inputs: [input], outputs: [mid], name: mid, attributes: { axes: how.unsqueeze } }];
    if (floatType !== FLOAT) nodes.push({ opType: 'Cast', inputs: [mid], outputs: [out], name: out, attributes: { to: floatType } });
    return nodes;
  };
  const shape = (values: number[]) => {
    const key = values.join('_').replace(/-/g, 'm');
    let name = shapes.get(key);
    if (!name) {
      name = `decoder_lens/hooks/shape_${key}`;
      shapes.set(key, name);
      top.push(int64Constant(name, values));
    }
    return name;
  };

  for (const tap of report.attention) {
    const count = tap.heads ?? options.fallbackHeads;
    if (!count) {
      unavailable.push({ node: tap.node, reason: 'the head count is not in the graph nor in config.json' });
      continue;
    }
    const kind: HookKind = report.role === 'encoder' ? 'encoder' : tap.kind;
    const gate = headGateName(kind, tap.layer);
    const mean = headMeanName(kind, tap.layer);
    const g4 = `decoder_lens/hooks/${gate}`;
    const m4 = `decoder_lens/hooks/${mean}`;
    const hooked: { tensor: string; path: BranchStep[]; nodeIndex: number }[] = [];
    let layout: HeadHook['layout'] = 'heads-first';
    let rank = 4;
    let headDim: number | null = null;
    for (const site of tap.sites) {
      const view = viewAt(model, site.branchPath, opset);
      if (tap.source === 'fused') {
        // The op's output [b, s, heads · d] seen as [b, s, heads, d] (ONNX Attention with 4-D inputs: [b, heads, s, d]).
        const node = view.graph.nodes[site.nodeIndex];
        const out = node?.outputs[0];
        if (!node || !out) continue;
        const change = nodeChange(plan.root, site.branchPath, node.index);
        const raw = `${out}/decoder_lens.raw`;
        const base = change.edit ?? {};
        change.edit = { ...base, outputs: (base.outputs ?? node.outputs).map((o) => (o === out ? raw : o)) };
        headDim ??= fusedHeadDim(view, node, count);
        if ((view.rank(node.inputs[0] ?? '') ?? 3) === 4) {
          (change.insertAfter ??= []).push(...gateNodes(raw, out, g4, m4));
          hooked.push({ tensor: out, path: site.branchPath, nodeIndex: node.index });
          continue;
        }
        layout = 'positions-first';
        const split = `${out}/decoder_lens.heads`;
        const gated = `${out}/decoder_lens.hooked_heads`;
        (change.insertAfter ??= []).push(
          { opType: 'Reshape', inputs: [raw, shape([0, 0, count, headDim ?? -1])], outputs: [split], name: `${out}/decoder_lens.split` },
          ...gateNodes(split, gated, g4, m4),
          // Constant shapes (not Shape(raw)) keep ORT's shape inference, which later fusions (SkipLayerNormalization) need.
          {
            opType: 'Reshape',
            inputs: [gated, shape([0, 0, headDim ? count * headDim : -1])],
            outputs: [out],
            name: `${out}/decoder_lens.merge`,
          },
        );
        hooked.push({ tensor: gated, path: site.branchPath, nodeIndex: node.index });
        continue;
      }
      const matmul = probsMatMul(view, site.tensor);
      const out = matmul?.outputs[0];
      if (!matmul || !out || !view.producer.has(out)) {
        unavailable.push({ node: site.node, reason: 'no MatMul(probs, V) after its Softmax in the same graph' });
        continue;
      }
      rank = view.rank(out) ?? view.rank(site.tensor) ?? 4;
      const d = view.info(out)?.shape?.[3];
      if (typeof d === 'number' && d > 0) headDim ??= d;
      const change = nodeChange(plan.root, site.branchPath, matmul.index);
      if (change.edit) {
        unavailable.push({ node: matmul.name, reason: 'the node is already edited for a tap' });
        continue;
      }
      const raw = `${out}/decoder_lens.raw`;
      change.edit = { outputs: matmul.outputs.map((o) => (o === out ? raw : o)) };
      (change.insertAfter ??= []).push(...gateNodes(raw, out, g4, m4));
      hooked.push({ tensor: out, path: site.branchPath, nodeIndex: matmul.index });
    }
    if (hooked.length === 0) continue;
    // [b, h, q, d] (heads first): gate [b, h] → [b, h, 1, 1], mean [b, h, d] → [b, h, 1, d]; exports that keep heads
    // in the batch axis ([b·h, q, d]) get [b·h, 1, 1] and [b·h, 1, d]; [b, s, h, d] (fused ops): [b, 1, h, 1], [b, 1, h, d].
    if (layout === 'positions-first') {
      top.push(...shaped(gate, { unsqueeze: [1, 3] }), ...shaped(mean, { unsqueeze: [1] }));
    } else if (rank === 3) {
      top.push(...shaped(gate, { shape: [-1, 1, 1] }), ...shaped(mean, { shape: [-1, 1, 0] }));
    } else {
      top.push(...shaped(gate, { unsqueeze: [2, 3] }), ...shaped(mean, { unsqueeze: [2] }));
    }
    inputs.push({ name: gate, elemType: FLOAT, dims: [batch, count] }, { name: mean, elemType: FLOAT, dims: [batch, count, headDim] });
    const output = options.exposeHeadOutputs
      ? plan.expose(
          `head_out.${kind}.${tap.layer}`,
          hooked.map((h) => ({ tensor: h.tensor, node: '', branchPath: h.path, nodeIndex: h.nodeIndex })),
        )
      : null;
    heads.push({ layer: tap.layer, kind, heads: count, headDim, gate, mean, output, layout });
  }

  const encoder = report.role === 'encoder';
  for (const tap of options.residualPatches === false ? [] : report.hiddenStates) {
    const mask = patchMaskName(tap.layer, encoder);
    const value = patchValueName(tap.layer, encoder);
    const patchValue = floatType === FLOAT ? value : `decoder_lens/hooks/${value}`;
    if (tap.source === 'skip-layernorm') continue; // the sum lives inside a fused op
    let done = false;
    for (const site of tap.sites) {
      const graph = graphAt(model, site.branchPath);
      const node: NodeInfo | undefined = graph.nodes[site.nodeIndex];
      if (!node || !node.outputs.includes(site.tensor)) continue;
      const change = nodeChange(plan.root, site.branchPath, node.index);
      if (change.edit) continue;
      const unpatched = `${site.tensor}/decoder_lens.unpatched`;
      change.edit = { outputs: node.outputs.map((o) => (o === site.tensor ? unpatched : o)) };
      (change.insertAfter ??= []).push({
        opType: 'Where',
        inputs: [mask, patchValue, unpatched],
        outputs: [site.tensor],
        name: `${site.tensor}/decoder_lens.patch`,
      });
      done = true;
    }
    if (!done) continue;
    if (patchValue !== value)
      top.push({ opType: 'Cast', inputs: [value], outputs: [patchValue], name: patchValue, attributes: { to: floatType } });
    inputs.push({ name: mask, elemType: BOOL, dims: [null, null, null] }, { name: value, elemType: FLOAT, dims: [null, null, null] });
    patches.push({ layer: tap.layer, encoder, mask, value });
  }

  const lastRow = options.lastRowLogits ? lastRowLogits(model, report, plan, opset) : null;
  if (lastRow) top.push(int64Constant(LAST_INDEX, [-1]));

  const graph = new Writer();
  for (const n of top) graph.message(1, encodeNode(n));
  for (const i of inputs) graph.message(11, inputInfo(i.name, i.elemType, i.dims));
  return { heads, patches, unavailable, lastRowLogits: lastRow === true, appendix: new Writer().message(7, graph).finish() };
}

const LAST_INDEX = 'decoder_lens/hooks/last_index';
const ROW_WISE = new Set(['Add', 'Cast', 'Identity', 'Mul']);

/**
 * Makes the LM head read only the last position (logits [batch, 1, vocab]) where it can: a Gather of the last row
 * right before the head's MatMul/Gemm (in each If branch for a merged decoder). For passes that score one next
 * token: an [batch × T × vocab] tensor is most of their memory and a fifth of their time.
 */
function lastRowLogits(model: ModelInfo, report: TapReport, plan: Planner, opset: number): boolean {
  if (!report.logits) return false;
  const top = viewAt(model, [], opset);
  const producer = top.producer.get(report.logits);
  const sites: { path: BranchStep[]; tensor: string }[] = [];
  if (producer?.opType === 'If') {
    const at = producer.outputs.indexOf(report.logits);
    for (const [attribute, g] of Object.entries(producer.subgraphs)) {
      const out = g.outputs[at]?.name;
      if (out) sites.push({ path: [{ node: producer.name, nodeIndex: producer.index, opType: 'If', attribute }], tensor: out });
    }
  } else sites.push({ path: [], tensor: report.logits });
  const edits: { path: BranchStep[]; node: NodeInfo; tensor: string }[] = [];
  for (const site of sites) {
    const view = viewAt(model, site.path, opset);
    let p = view.producer.get(site.tensor);
    const live = (n: NodeInfo) => n.inputs.filter((i) => i && !view.isConstant(i));
    while (p && ROW_WISE.has(p.opType) && live(p).length === 1) p = view.producer.get(live(p)[0]);
    if (!p || (p.opType !== 'MatMul' && p.opType !== 'Gemm') || live(p).length !== 1) return false;
    const x = live(p)[0];
    const r = view.producer.get(x);
    if (!r || nodeChange(plan.root, site.path, r.index).edit) return false;
    edits.push({ path: site.path, node: r, tensor: x });
  }
  for (const { path, node, tensor } of edits) {
    const change = nodeChange(plan.root, path, node.index);
    const rows = `${tensor}/decoder_lens.all_rows`;
    change.edit = { outputs: node.outputs.map((o) => (o === tensor ? rows : o)) };
    (change.insertAfter ??= []).push({
      opType: 'Gather',
      inputs: [rows, LAST_INDEX],
      outputs: [tensor],
      name: `${tensor}/decoder_lens.last_row`,
      axis: 1,
    });
  }
  return edits.length > 0;
}

/** A fused op's head size: from its output's recorded shape, else its past key input ([b, kv_heads, past, head_size]). */
function fusedHeadDim(view: GraphView, node: NodeInfo, heads: number): number | null {
  const out = view.info(node.outputs[0] ?? '')?.shape;
  const last = out?.[out.length - 1];
  if (out?.length === 3 && typeof last === 'number' && last % heads === 0) return last / heads;
  const past = node.opType === 'MultiHeadAttention' ? node.inputs[6] : node.opType === 'GroupQueryAttention' ? node.inputs[3] : undefined;
  const d = view.info(past ?? '')?.shape?.[3];
  return typeof d === 'number' && d > 0 ? d : null;
}

/** out = x · gate + mean, the gate and mean already shaped to broadcast over x. */
function gateNodes(x: string, out: string, gate: string, mean: string): NewNode[] {
  return [
    { opType: 'Mul', inputs: [x, gate], outputs: [`${out}/decoder_lens.gated`], name: `${out}/decoder_lens.gate` },
    { opType: 'Add', inputs: [`${out}/decoder_lens.gated`, mean], outputs: [out], name: `${out}/decoder_lens.mean` },
  ];
}

/** The element type of the graph's float outputs (logits, presents): float32 unless the graph is float16/bfloat16. */
function graphFloatType(model: ModelInfo): number {
  const t = model.graph.outputs.map((o) => o.elemType).find((e) => e === 'float32' || e === 'float16' || e === 'bfloat16');
  return t ? elemTypeNumber(t) : FLOAT;
}

type Dim = number | string | null;

/** A graph input with its element type and dimensions (null: a symbolic dimension of its own). */
function inputInfo(name: string, elemType: number, dims: Dim[]): Writer {
  const shape = new Writer();
  dims.forEach((d, i) =>
    shape.message(1, typeof d === 'number' ? new Writer().varint(1, d) : new Writer().string(2, d ?? `${name}_dim${i}`)),
  );
  const tensor = new Writer().varint(1, elemType).message(2, shape);
  return new Writer().string(1, name).message(2, new Writer().message(1, tensor));
}

/** The MatMul taking these probabilities as its left operand (through casts, dropout, reshapes). */
function probsMatMul(view: GraphView, probs: string): NodeInfo | undefined {
  let frontier = [probs];
  for (let depth = 0; depth < 4 && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const t of frontier) {
      for (const c of view.consumers.get(t) ?? []) {
        if (c.opType === 'MatMul' && c.domain === '' && c.inputs[0] === t) return c;
        if (PASS.has(c.opType) && c.outputs[0]) next.push(c.outputs[0]);
      }
    }
    frontier = next;
  }
  return undefined;
}

function graphAt(model: ModelInfo, path: BranchStep[]): GraphInfo {
  let g = model.graph;
  for (const s of path) g = g.nodes[s.nodeIndex].subgraphs[s.attribute];
  return g;
}

function viewAt(model: ModelInfo, path: BranchStep[], opset: number): GraphView {
  let view = new GraphView(model.graph, null, [], opset);
  path.forEach((s, i) => (view = new GraphView(view.graph.nodes[s.nodeIndex].subgraphs[s.attribute], view, path.slice(0, i + 1), opset)));
  return view;
}

function graphEdit(root: GraphEdit, path: BranchStep[]): GraphEdit {
  let g = root;
  for (const s of path) {
    const change = nodeChangeIn(g, s.nodeIndex);
    let b = change.branches.get(s.attribute);
    if (!b) change.branches.set(s.attribute, (b = { nodes: new Map(), addOutputs: [], addValueInfo: [], addNodes: [] }));
    g = b;
  }
  return g;
}

function nodeChange(root: GraphEdit, path: BranchStep[], index: number): NodeChange {
  return nodeChangeIn(graphEdit(root, path), index);
}

function nodeChangeIn(g: GraphEdit, index: number): NodeChange {
  let c = g.nodes.get(index);
  if (!c) g.nodes.set(index, (c = { appendOutputs: [], branches: new Map() }));
  return c;
}
