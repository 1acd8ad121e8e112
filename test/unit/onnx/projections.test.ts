// The tap finder follows K/V through every projection form exporters write: quantized (MatMulNBits,
// MatMulInteger after DynamicQuantizeLinear, DequantizeLinear weights), Gemm, and a packed weight split at run
// time. Each case is the real tiny-t5 decoder graph with its projections rewritten the way that exporter writes
// them; what must not change is what a person reads off the graph: self and cross of each block, by structure.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findTaps, readModel } from '../../../src/core/onnx';
import type { InitializerInfo, ModelInfo, NodeInfo } from '../../../src/core/onnx';
import { fixture } from '../paths';

type Rewrite = (mm: NodeInfo, x: string, w: string, add: (init: string) => void) => Omit<NodeInfo, 'index' | 'range'>[];

function node(opType: string, name: string, inputs: string[], outputs: string[], domain = ''): Omit<NodeInfo, 'index' | 'range'> {
  return { opType, name, inputs, outputs, domain, attributes: {}, subgraphs: {}, metadata: {} };
}

/** Every MatMul with an initializer weight (the q/k/v/o projections, MLP, LM head) replaced by `rewrite`. */
function rewriteProjections(info: ModelInfo, rewrite: Rewrite): ModelInfo {
  const inits = new Map(info.graph.initializers.map((i) => [i.name, i]));
  const extra: InitializerInfo[] = [];
  const add = (name: string) => {
    const like = info.graph.initializers[0];
    extra.push({ ...like, name, dims: [1], small: undefined });
  };
  const nodes = info.graph.nodes.flatMap((n) => {
    const w = n.inputs[1] ?? '';
    if (n.opType !== 'MatMul' || !inits.has(w)) return [{ ...n }];
    return rewrite(n, n.inputs[0], w, add).map((m) => ({ ...m, range: n.range, index: 0 }));
  });
  const graph = { ...info.graph, nodes: nodes.map((n, index) => ({ ...n, index })), initializers: [...info.graph.initializers, ...extra] };
  return { ...info, graph };
}

const REWRITES: Record<string, Rewrite> = {
  'MatMulNBits (4-bit weights, com.microsoft)': (mm, x, w, add) => {
    add(`${w}_scales`);
    return [{ ...node('MatMulNBits', mm.name, [x, w, `${w}_scales`], mm.outputs, 'com.microsoft') }];
  },
  'MatMulInteger after DynamicQuantizeLinear': (mm, x, w, add) => {
    add(`${w}_zero_point`);
    add(`${w}_scale`);
    const p = `${mm.name}/q`;
    return [
      node('DynamicQuantizeLinear', `${p}/DynamicQuantizeLinear`, [x], [`${p}/x_q`, `${p}/x_scale`, `${p}/x_zp`]),
      node('MatMulInteger', `${p}/MatMulInteger`, [`${p}/x_q`, w, `${p}/x_zp`, `${w}_zero_point`], [`${p}/int`]),
      node('Cast', `${p}/Cast`, [`${p}/int`], [`${p}/float`]),
      node('Mul', `${p}/Mul`, [`${p}/x_scale`, `${w}_scale`], [`${p}/scale`]),
      node('Mul', `${p}/Mul_1`, [`${p}/float`, `${p}/scale`], mm.outputs),
    ];
  },
  'DequantizeLinear weights (QDQ)': (mm, x, w, add) => {
    add(`${w}_scale`);
    return [
      node('DequantizeLinear', `${mm.name}/DequantizeLinear`, [w, `${w}_scale`], [`${w}_dequantized`]),
      node('MatMul', mm.name, [x, `${w}_dequantized`], mm.outputs),
    ];
  },
  Gemm: (mm, x, w) => [node('Gemm', mm.name, [x, w], mm.outputs)],
  'a packed weight split (and transposed) at run time': (mm, x, w, add) => {
    add(`${w}_packed`);
    return [
      node('Split', `${mm.name}/Split`, [`${w}_packed`], [`${w}_part0`, `${w}_part1`]),
      node('Transpose', `${mm.name}/Transpose`, [`${w}_part1`], [`${w}_t`]),
      node('MatMul', mm.name, [x, `${w}_t`], mm.outputs),
    ];
  },
};

describe('K/V followed through every projection form', () => {
  for (const [name, rewrite] of Object.entries(REWRITES)) {
    test(name, async () => {
      const info = rewriteProjections(await readModel(fixture('tiny-t5', 'decoder_model.onnx')), rewrite);
      assert.deepEqual(
        findTaps(info).attention.map((a) => [a.id, a.heads, a.inferred.kind, a.inferred.layer]),
        [
          ['attn.self.0', 4, 'structure', 'structure'],
          ['attn.cross.0', 4, 'structure', 'structure'],
          ['attn.self.1', 4, 'structure', 'structure'],
          ['attn.cross.1', 4, 'structure', 'structure'],
        ],
      );
    });
  }

  test('without any names (scopes stripped) or recorded shapes, layers, kinds and heads still come from the structure', async () => {
    const info = await readModel(fixture('tiny-nn-transformer', 'decoder_model.onnx'));
    // No value_info either: heads come from the reshape to [s, b·heads, d], where b·heads is Mul(b, 4) at run time.
    const anonymous = {
      ...info,
      graph: { ...info.graph, valueInfo: [], nodes: info.graph.nodes.map((n) => ({ ...n, name: '', metadata: {} })) },
    };
    assert.deepEqual(
      findTaps(anonymous).attention.map((a) => [a.id, a.heads, a.inferred.kind, a.inferred.layer]),
      [
        ['attn.self.0', 4, 'structure', 'structure'],
        ['attn.cross.0', 4, 'structure', 'structure'],
        ['attn.self.1', 4, 'structure', 'structure'],
        ['attn.cross.1', 4, 'structure', 'structure'],
      ],
    );
  });

  test("the model's own layer numbers where the data flow confirms them, the data flow's where names contradict it", async () => {
    const info = await readModel(fixture('tiny-gpt', 'decoder_model.onnx'));
    const renamed = (map: Record<string, string>) => ({
      ...info,
      graph: {
        ...info.graph,
        nodes: info.graph.nodes.map((n) => ({ ...n, name: n.name.replace(/layers\.(\d)/, (_, d: string) => `layers.${map[d]}`) })),
      },
    });
    // A hybrid model whose attention sits in blocks 1 and 3 (the others being, say, Mamba blocks).
    assert.deepEqual(
      findTaps(renamed({ '0': '1', '1': '3' })).attention.map((a) => [a.id, a.inferred.layer]),
      [
        ['attn.self.1', 'structure'],
        ['attn.self.3', 'structure'],
      ],
    );
    // Names that run against the data flow are not believed.
    assert.deepEqual(
      findTaps(renamed({ '0': '1', '1': '0' })).attention.map((a) => [a.id, a.node.match(/layers\.\d/)?.[0]]),
      [
        ['attn.self.0', 'layers.1'],
        ['attn.self.1', 'layers.0'],
      ],
    );
  });
});
