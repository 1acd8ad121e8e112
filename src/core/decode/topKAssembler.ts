// Long-context captures: the sparse rows the compact graph returns, gathered step by step into one capture.
import { lastTwo } from './tensors';

/**
 * Sparse top-k rows as the compact graph returns them (onnx/compact.ts): per head and query row, k float16 values
 * (bit patterns), their int32 key indices and the rest mass; and per query row the band of keys any head attends to.
 */
export class TopKAssembler {
  readonly values: Uint16Array;
  readonly indices: Int32Array;
  readonly rest: Float32Array;
  readonly first: Int32Array;
  readonly last: Int32Array;
  readonly count: Int32Array;
  filled = 0;
  constructor(
    readonly heads: number,
    readonly maxQueries: number,
    readonly k: number,
  ) {
    this.values = new Uint16Array(heads * maxQueries * k);
    this.indices = new Int32Array(heads * maxQueries * k).fill(-1);
    this.rest = new Float32Array(heads * maxQueries);
    this.first = new Int32Array(maxQueries);
    this.last = new Int32Array(maxQueries).fill(-1);
    this.count = new Int32Array(maxQueries);
  }

  /** values/indices: [heads][rows][kk] (kk ≤ k: a run with fewer keys than k); rest: [heads][rows]. */
  write(values: Uint16Array, indices: Int32Array, rest: Float32Array, dims: readonly number[], queryStart: number): number {
    const { slices, rows, cols: kk } = lastTwo(dims);
    const width = Math.min(kk, this.k);
    for (let r = 0; r < rows; r++) {
      const q = queryStart + r;
      if (q < this.filled || q >= this.maxQueries) continue;
      for (let h = 0; h < this.heads; h++) {
        const s = Math.min(h, slices - 1);
        const from = (s * rows + r) * kk;
        const to = (h * this.maxQueries + q) * this.k;
        this.values.set(values.subarray(from, from + width), to);
        this.indices.set(indices.subarray(from, from + width), to);
        this.rest[h * this.maxQueries + q] = rest[s * rows + r];
      }
    }
    return rows;
  }

  writeBands(first: Int32Array, last: Int32Array, count: Int32Array, queryStart: number): void {
    for (let r = 0; r < first.length; r++) {
      const q = queryStart + r;
      if (q < this.filled || q >= this.maxQueries) continue;
      this.first[q] = first[r];
      this.last[q] = last[r];
      this.count[q] = count[r];
    }
  }

  crop(queries: number): Pick<TopKAssembler, 'values' | 'indices' | 'rest' | 'first' | 'last' | 'count'> {
    if (queries === this.maxQueries) return this;
    const perHead = (a: Uint16Array | Int32Array | Float32Array, width: number) => {
      const out = new (a.constructor as new (n: number) => typeof a)(this.heads * queries * width);
      for (let h = 0; h < this.heads; h++)
        out.set(a.subarray(h * this.maxQueries * width, (h * this.maxQueries + queries) * width), h * queries * width);
      return out;
    };
    return {
      values: perHead(this.values, this.k) as Uint16Array,
      indices: perHead(this.indices, this.k) as Int32Array,
      rest: perHead(this.rest, 1) as Float32Array,
      first: this.first.slice(0, queries),
      last: this.last.slice(0, queries),
      count: this.count.slice(0, queries),
    };
  }
}
