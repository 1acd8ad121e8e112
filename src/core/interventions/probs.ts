// The probability of one token at the last position of each batch row (softmax in float64 over the vocabulary).
import type * as ort from 'onnxruntime-node';
import { floatData } from '../decode/tensors';

/** logits [rows, positions (or 1 with last-row logits), vocab] → p(id) at each row's last position. */
export function lastRowProbs(logits: ort.Tensor, rows: number, id: number): number[] {
  const data = floatData(logits, 'logits');
  const V = logits.dims[logits.dims.length - 1];
  const perRow = data.length / rows;
  return Array.from({ length: rows }, (_, b) => {
    const row = data.subarray(b * perRow + perRow - V, b * perRow + perRow);
    let max = -Infinity;
    for (const v of row) if (v > max) max = v;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    return Math.exp(row[id] - max) / sum;
  });
}
