// buildTappedModel: turns chosen taps into graph outputs ONNX Runtime will return. Top-level tensors become
// appended graph outputs; tensors inside If branches are lifted (branch output → If output → graph output, with a
// placeholder in a branch that lacks one); fused ops get their score output switched on.
import { type FileHandle, open } from 'node:fs/promises';
import { DecoderLensError } from '../errors';
import { loadExternalData } from './external';
import { type BranchStep, GraphView } from './graph-view';
import { assemble } from './assemble';
import { readModel } from './reader';
import { type GraphEdit, type NodeChange, emptyGraphEdit } from './surgery-bytes';
import { type TapReport, type TapSite, findTaps } from './taps';
import type { GraphInfo, ModelInfo } from './types';
import { FormatError } from './wire';

export type TapFilter = 'all' | 'none' | readonly string[];

/** Which taps to expose, by id ('attn.self.0', 'hidden.3'; masks by their attention id or 'mask.self.0'). Default: all. */
export interface TapSelection {
  attention?: TapFilter;
  masks?: TapFilter;
  hidden?: TapFilter;
}

export interface TapOutput {
  /** The graph output name to fetch from ONNX Runtime. */
  output: string;
  tap: 'attention' | 'mask' | 'hidden';
  id: string;
  layer: number;
  kind: 'self' | 'cross' | null;
  /** The tensor's own name in the graph (inside its branch when lifted). */
  tensor: string;
}

export interface TappedModel {
  bytes: Uint8Array;
  outputs: TapOutput[];
  /** For models with external data: pass as the `externalData` session option. */
  externalData?: { path: string; data: Uint8Array }[];
  unavailable: TapReport['unavailable'];
  report: TapReport;
}

const picks = (filter: TapFilter | undefined, ...ids: string[]) =>
  filter === undefined || filter === 'all' ? true : filter === 'none' ? false : ids.some((id) => filter.includes(id));

export async function buildTappedModel(path: string, selection: TapSelection = {}): Promise<TappedModel> {
  const model = await readModel(path);
  const report = findTaps(model);
  if (report.attention.length === 0 && report.hiddenStates.length === 0 && report.unavailable.length === 0) {
    throw new DecoderLensError(
      'unsupported',
      `${path} has no attention Decoder Lens can find: no Softmax over the last axis feeding a MatMul, and no fused attention op. Is it a transformer decoder?`,
      path,
    );
  }
  const plan = new Planner(model);
  const outputs: TapOutput[] = [];
  for (const a of report.attention) {
    if (picks(selection.attention, a.id)) {
      outputs.push({ output: plan.expose(a.id, a.sites), tap: 'attention', id: a.id, layer: a.layer, kind: a.kind, tensor: a.tensor });
    }
    const maskSites = a.sites.flatMap((s) => (s.mask ? [{ ...s, tensor: s.mask.tensor, edit: undefined }] : []));
    const maskId = `mask.${a.kind}.${a.layer}`;
    if (a.mask && maskSites.length > 0 && picks(selection.masks, a.id, maskId)) {
      outputs.push({ output: plan.expose(maskId, maskSites), tap: 'mask', id: maskId, layer: a.layer, kind: a.kind, tensor: a.mask });
    }
  }
  for (const h of report.hiddenStates) {
    if (picks(selection.hidden, h.id)) {
      outputs.push({ output: plan.expose(h.id, h.sites), tap: 'hidden', id: h.id, layer: h.layer, kind: null, tensor: h.tensor });
    }
  }
  const bytes = await withFile(path, (handle) => assemble(handle, model, plan.root));
  const externalData = model.externalDataFiles.length > 0 ? await loadExternalData(path, model.externalDataFiles) : undefined;
  return { bytes, outputs, ...(externalData ? { externalData } : {}), unavailable: report.unavailable, report };
}

async function withFile<T>(path: string, body: (handle: FileHandle) => Promise<T>): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DecoderLensError(code === 'ENOENT' ? 'not-found' : 'bad-input', `Cannot read model file ${path}: ${(e as Error).message}`, path);
  }
  try {
    return await body(handle);
  } catch (e) {
    // The reader accepted these bytes, so this means the file changed underneath; never let a raw parse error out.
    if (e instanceof FormatError) throw new DecoderLensError('bad-model', `Cannot rewrite ${path}: ${e.message} (at byte ${e.offset}).`, path);
    throw e;
  } finally {
    await handle.close();
  }
}

class Planner {
  readonly root = emptyGraphEdit();
  private readonly topOutputs: Set<string>;
  private readonly lifted = new Map<string, string>();
  private readonly views = new Map<string, GraphView>();
  private readonly opset: number;

  constructor(private readonly model: ModelInfo) {
    this.topOutputs = new Set(model.graph.outputs.map((o) => o.name));
    this.opset = model.opsets.find((o) => o.domain === '')?.version ?? 0;
  }

  /** Makes the tensor at these sites a top-level graph output and returns its name. */
  expose(id: string, sites: TapSite[]): string {
    for (const s of sites) if (s.edit) this.applyNodeEdit(s);
    const placed = dedupe(sites.map((s) => ({ ...s, branchPath: this.definingPath(s.tensor, s.branchPath) })));
    const top = placed.find((s) => s.branchPath.length === 0);
    if (top) return this.addTop(top.tensor);
    // Lift through the If holding the first site; other sites of the same If fill its other branches.
    const first = placed[0];
    const parentPath = first.branchPath.slice(0, -1);
    const step = first.branchPath[first.branchPath.length - 1];
    const key = JSON.stringify([parentPath, step.nodeIndex, placed.map((s) => [s.branchPath, s.tensor])]);
    let name = this.lifted.get(key);
    if (!name) {
      // Unique per nesting level: an If output may not reuse a name defined inside its own branches.
      name = `decoder_lens/${id}${parentPath.length ? `@${parentPath.length}` : ''}`;
      this.lifted.set(key, name);
      const ifNode = this.graphAt(parentPath).nodes[step.nodeIndex];
      for (const attr of Object.keys(ifNode.subgraphs)) {
        const branchPath = [...parentPath, { ...step, attribute: attr }];
        const at = placed.find((s) => sameStep(s.branchPath, branchPath));
        const edit = this.graphEdit(branchPath);
        edit.addOutputs.push(at ? at.tensor : this.placeholder(edit, name, attr, first));
      }
      this.nodeChange(parentPath, step.nodeIndex).appendOutputs.push(name);
    }
    if (parentPath.length === 0) return this.addTop(name);
    return this.expose(id, [{ tensor: name, node: step.node, branchPath: parentPath, nodeIndex: step.nodeIndex }]);
  }

  private addTop(name: string): string {
    if (!this.topOutputs.has(name)) {
      this.topOutputs.add(name);
      this.root.addOutputs.push(name);
    }
    return name;
  }

  private placeholder(edit: GraphEdit, lifted: string, attr: string, like: TapSite): string {
    const info = this.view(like.branchPath).info(like.tensor);
    const name = `${lifted}/placeholder/${attr}`;
    edit.addNodes.push({
      opType: 'Constant',
      inputs: [],
      outputs: [name],
      name,
      placeholder: { elemType: info?.elemType ?? 'float32', rank: info?.shape?.length ?? 1 },
    });
    return name;
  }

  private applyNodeEdit(s: TapSite): void {
    const change = this.nodeChange(s.branchPath, s.nodeIndex);
    if (change.edit) return;
    change.edit = s.edit;
    const g = this.graphEdit(s.branchPath);
    g.addValueInfo.push(...(s.edit?.valueInfo ?? []));
    g.addNodes.push(...(s.edit?.addNodes ?? []));
  }

  /** The (innermost) graph on `path` or above it that defines `tensor` (masks are often made outside the If). */
  private definingPath(tensor: string, path: BranchStep[]): BranchStep[] {
    let p = path;
    while (p.length > 0 && !this.view(p).isLocal(tensor)) p = p.slice(0, -1);
    return p;
  }

  private graphAt(path: BranchStep[]): GraphInfo {
    let g = this.model.graph;
    for (const s of path) g = g.nodes[s.nodeIndex].subgraphs[s.attribute];
    return g;
  }

  private view(path: BranchStep[]): GraphView {
    const key = JSON.stringify(path.map((s) => [s.nodeIndex, s.attribute]));
    let v = this.views.get(key);
    if (!v) {
      v = new GraphView(this.graphAt(path), path.length ? this.view(path.slice(0, -1)) : null, path, this.opset);
      this.views.set(key, v);
    }
    return v;
  }

  private graphEdit(path: BranchStep[]): GraphEdit {
    let g = this.root;
    path.forEach((s) => {
      const change = nodeChangeIn(g, s.nodeIndex);
      let b = change.branches.get(s.attribute);
      if (!b) change.branches.set(s.attribute, (b = emptyGraphEdit()));
      g = b;
    });
    return g;
  }

  private nodeChange(path: BranchStep[], index: number): NodeChange {
    return nodeChangeIn(this.graphEdit(path), index);
  }
}

function nodeChangeIn(g: GraphEdit, index: number): NodeChange {
  let c = g.nodes.get(index);
  if (!c) g.nodes.set(index, (c = { appendOutputs: [], branches: new Map() }));
  return c;
}

function sameStep(a: BranchStep[], b: BranchStep[]): boolean {
  return a.length === b.length && a.every((s, i) => s.nodeIndex === b[i].nodeIndex && s.attribute === b[i].attribute);
}

function dedupe(sites: TapSite[]): TapSite[] {
  const seen = new Set<string>();
  return sites.filter((s) => {
    const k = JSON.stringify([s.tensor, s.branchPath.map((b) => [b.nodeIndex, b.attribute])]);
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
