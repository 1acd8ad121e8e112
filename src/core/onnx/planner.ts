// Plans the edits that expose taps: a top-level tensor becomes a graph output; a tensor inside If branches is
// lifted (branch output → If output → graph output, level by level, with an empty placeholder in a branch that
// lacks it); a fused op's node change is recorded once, with the value infos and nodes it needs.
import { type BranchStep, GraphView } from './graphView';
import { type GraphEdit, type NodeChange, emptyGraphEdit } from './surgeryBytes';
import type { TapSite } from './taps';
import type { GraphInfo, ModelInfo } from './types';

/** Collects the graph edits that make each tap's tensor a top-level graph output. */
export class Planner {
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
  expose(id: string, sites: TapSite[], lifted = false): string {
    for (const s of sites) if (s.edit) this.applyNodeEdit(s);
    // A tensor the finder saw may be defined further out than where it is used; one we lifted is where we put it.
    const placed = lifted ? sites : dedupe(sites.map((s) => ({ ...s, branchPath: this.definingPath(s.tensor, s.branchPath) })));
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
    return this.expose(id, [{ tensor: name, node: step.node, branchPath: parentPath, nodeIndex: step.nodeIndex }], true);
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
