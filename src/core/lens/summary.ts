// What the trace shows for every input position — the probability of the token that came next and the model's
// top-k there — computed by ONNX Runtime instead of JavaScript: LogSoftmax + TopK appended to the graph (one more
// `graph { node… output… }` field; opset-independent: LogSoftmax over the last axis and TopK with K as an input
// mean the same from opset 10 on). A 256 × 50k logits tensor costs ~10 ms this way and ~250 ms in JS.
import { Writer } from '../onnx/wire';
import { encodeNode, int64Constant } from './nodes';

const P = 'decoder_lens/summary';
const FLOAT = 1; // TensorProto.DataType.FLOAT
export const SUMMARY_OUTPUTS = { topLogProbs: `${P}/top_logprobs`, topIds: `${P}/top_ids` } as const;

/** Bytes to append to a model whose graph has a `logits` output. */
export function logitSummaryAppendix(k: number): Uint8Array {
  const graph = new Writer();
  // float32 whatever the logits are: a float16 LogSoftmax loses the small probabilities the trace shows, and the
  // reader below expects float32. ONNX Runtime drops the Cast when the logits are float32 already.
  graph.message(
    1,
    encodeNode({ opType: 'Cast', inputs: ['logits'], outputs: [`${P}/logits`], name: `${P}/Cast`, attributes: { to: FLOAT } }),
  );
  graph.message(
    1,
    encodeNode({
      opType: 'LogSoftmax',
      inputs: [`${P}/logits`],
      outputs: [`${P}/logprobs`],
      name: `${P}/LogSoftmax`,
      attributes: { axis: -1 },
    }),
  );
  graph.message(1, encodeNode(int64Constant(`${P}/k`, [k])));
  graph.message(
    1,
    encodeNode({
      opType: 'TopK',
      inputs: [`${P}/logprobs`, `${P}/k`],
      outputs: [SUMMARY_OUTPUTS.topLogProbs, SUMMARY_OUTPUTS.topIds],
      name: `${P}/TopK`,
      attributes: { axis: -1 },
    }),
  );
  for (const name of Object.values(SUMMARY_OUTPUTS)) graph.message(12, new Writer().string(1, name));
  return new Writer().message(7, graph).finish();
}

/**
 * Row r's log-sum-exp from its top-1: logsoftmax(x)_i = x_i − lse for any i, so lse = x[top id] − top log-prob.
 * Then p(id) = exp(x[id] − lse) needs one lookup per row, not a pass over the vocabulary.
 */
export function rowSummary(
  logits: Float32Array,
  vocab: number,
  row: number,
  topLogProbs: Float32Array,
  topIds: BigInt64Array,
  k: number,
  id: number,
): { prob: number; top: { id: number; prob: number }[] } {
  const base = row * vocab;
  const firstId = Number(topIds[row * k]);
  const lse = logits[base + firstId] - topLogProbs[row * k];
  const top: { id: number; prob: number }[] = [];
  for (let j = 0; j < k; j++) top.push({ id: Number(topIds[row * k + j]), prob: Math.exp(topLogProbs[row * k + j]) });
  return { prob: Math.exp(logits[base + id] - lse), top };
}
