// Module scopes of nodes, from TorchScript node names (`/model/layers.3/self_attn/Softmax`) or the dynamo
// exporter's `pkg.torch.onnx.name_scopes` metadata (`['', 'model', 'layers.3', 'self_attn', 'softmax']`).
import type { NodeInfo } from './types';

const NAME_SCOPES = 'pkg.torch.onnx.name_scopes';

/** The node's module path as `/a/b.3/c` (TorchScript style), or '' when it has none. */
export function scopeOf(node: NodeInfo): string {
  const meta = node.metadata[NAME_SCOPES];
  if (meta) {
    const items = [...meta.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? m[2] ?? '');
    // The last item is the node itself; the rest are module names from the root down.
    const modules = items.slice(0, -1).filter((s) => s !== '');
    if (modules.length > 0) return `/${modules.join('/')}/`;
  }
  return node.name.startsWith('/') ? node.name.slice(0, node.name.lastIndexOf('/') + 1) : '';
}

/** Container names that number decoder blocks, most specific first (T5 has `block.N/layer.M`: N is the block). */
const LAYER_PATTERNS = ['layers', 'h', 'block', 'blocks', 'layer'].map((token) => new RegExp(`/(?:[^/]*\\.)?${token}[._](\\d+)/`));

export interface LayerScope {
  /** The scope up to and including the layer token, e.g. `/model/layers.3/`. Nodes under it belong to the block. */
  prefix: string;
  index: number;
}

/** The decoder block a node belongs to, judged from its scope. */
export function layerOf(node: NodeInfo): LayerScope | null {
  const scope = scopeOf(node);
  if (!scope) return null;
  for (const pattern of LAYER_PATTERNS) {
    const m = pattern.exec(scope);
    if (m) return { prefix: scope.slice(0, m.index + m[0].length), index: Number(m[1]) };
  }
  return null;
}

/** Whether the node's scope names cross attention (used when the graph structure does not tell). */
export function scopeSaysCross(node: NodeInfo): boolean {
  return /encoder_attn|encdecattention|cross_?attn|crossattention|cross_attention/i.test(scopeOf(node) || node.name);
}
