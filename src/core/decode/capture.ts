/**
 * Assembles the per-step tap outputs into full matrices over every fed position. A step's output covers query
 * rows [queryStart, queryStart + rows) and keys [0, cols); rows already filled (full recompute repeats them) are
 * skipped, so KV-cache and recompute runs give the same matrices.
 */
import type * as ort from 'onnxruntime-node';
import type { AttentionCapture, AttentionKind, HiddenCapture, MaskCapture } from '../trace/types';
import { quantisationError, SQRT_CODES } from './budget';
import { floatData, lastTwo } from './tensors';
import { TopKAssembler } from './topKAssembler';

/** Additive mask values at or below this hide the key (exports write -inf, -1e9, -1e4 or finfo.min). */
export const HIDDEN_THRESHOLD = -1e4;

type Stored = Float32Array | Uint16Array | Uint8Array;

class MatrixAssembler {
  private buffer?: Stored;
  filled = 0;
  keysSeen = 0;
  constructor(
    readonly heads: number,
    readonly maxQueries: number,
    readonly maxKeys: number,
    readonly averageHeads: boolean,
    private readonly fill = 0,
    /** 32: float32; 16 or 8: each probability as a code round(p × (2^bits − 1)) (per-head only). */
    readonly bits: 32 | 16 | 8 = 32,
  ) {}

  get data(): Stored {
    if (!this.buffer) {
      const size = (this.averageHeads ? 1 : this.heads) * this.maxQueries * this.maxKeys;
      this.buffer = this.bits === 16 ? new Uint16Array(size) : this.bits === 8 ? new Uint8Array(size) : new Float32Array(size);
      if (this.fill !== 0) this.buffer.fill(this.fill);
    }
    return this.buffer;
  }

  /** values: [slices][rows][cols]; slices are heads (or 1 broadcast). */
  write(values: Float32Array, dims: readonly number[], queryStart: number): void {
    const { slices, rows, cols } = lastTwo(dims);
    const stored = this.averageHeads ? 1 : this.heads;
    // A first write that is the whole matrix (the prefill of a one-step decode, a full recompute) is kept as it
    // came from ONNX Runtime, a JS-owned array already in this layout: no allocation, no copy.
    if (
      !this.buffer &&
      this.bits === 32 &&
      !this.averageHeads &&
      queryStart === 0 &&
      rows === this.maxQueries &&
      cols === this.maxKeys &&
      slices === stored &&
      values.length === stored * rows * cols
    ) {
      this.buffer = values;
      this.filled = rows;
      this.keysSeen = cols;
      return;
    }
    this.keysSeen = Math.max(this.keysSeen, Math.min(cols, this.maxKeys));
    for (let r = 0; r < rows; r++) {
      const q = queryStart + r;
      if (q < this.filled || q >= this.maxQueries) continue;
      const width = Math.min(cols, this.maxKeys);
      for (let h = 0; h < stored; h++) {
        const target = (h * this.maxQueries + q) * this.maxKeys;
        if (!this.averageHeads) {
          // One row copy per head (a memcpy), not an element loop: this runs for every layer at every step.
          const from = (Math.min(h, slices - 1) * rows + r) * cols;
          if (this.bits === 32) this.data.set(values.subarray(from, from + width), target);
          else if (this.bits === SQRT_CODES) quantiseSqrtInto(values, from, width, this.data as Uint8Array, target, 2 ** this.bits - 1);
          else quantiseInto(values, from, width, this.data as Uint16Array | Uint8Array, target, 2 ** this.bits - 1);
          continue;
        }
        for (let c = 0; c < width; c++) {
          let sum = 0;
          for (let s = 0; s < slices; s++) sum += values[(s * rows + r) * cols + c];
          this.data[target + c] = sum / slices;
        }
      }
    }
    this.filled = Math.max(this.filled, Math.min(queryStart + rows, this.maxQueries));
  }

  /** The matrix cropped to the queries and keys that were actually fed. */
  crop(queries: number, keys: number): Stored {
    const stored = this.averageHeads ? 1 : this.heads;
    if (queries === this.maxQueries && keys === this.maxKeys) return this.data;
    const out = new (this.data.constructor as new (size: number) => Stored)(stored * queries * keys);
    for (let h = 0; h < stored; h++)
      for (let q = 0; q < queries; q++)
        out.set(
          this.data.subarray((h * this.maxQueries + q) * this.maxKeys, (h * this.maxQueries + q) * this.maxKeys + keys),
          (h * queries + q) * keys,
        );
    return out;
  }
}

/** The largest relative error of a probability stored as float16 (round to nearest, 11 significant bits). */
export const FLOAT16_RELATIVE_ERROR = 2 ** -11;

export interface CapturePlan {
  layer: number;
  kind: AttentionKind;
  heads: number;
  /** The query axis and the key axis lengths at most (decoder positions, or source tokens for cross). */
  maxQueries: number;
  maxKeys: number;
}

export class AttentionRecorder {
  private readonly attention = new Map<string, { plan: CapturePlan; matrix: MatrixAssembler }>();
  private readonly masks = new Map<string, { plan: CapturePlan; raw: MatrixAssembler }>();
  private readonly hidden = new Map<number, { norms: number[]; cosines: number[]; vectors: Float32Array[] | undefined; width: number }>();

  constructor(
    private readonly averageHeads: boolean,
    private readonly keepVectors: boolean,
    /** Per-head attention as float32 (32) or quantised codes (16, 8): see CapturePlanning.bits. */
    private readonly bits: 32 | 16 | 8 = 32,
  ) {}

  private readonly sparse = new Map<string, { plan: CapturePlan; matrix: TopKAssembler; bands: boolean }>();

  /**
   * One step's compact outputs for a layer (see onnx/compact.ts): top-k values (float16), indices (int32), the rest
   * mass, and the band of keys attended per row when the graph computed it.
   */
  addTopK(
    plan: CapturePlan,
    k: number,
    parts: { values: ort.Tensor; indices: ort.Tensor; rest: ort.Tensor; first?: ort.Tensor; last?: ort.Tensor; count?: ort.Tensor },
    queryStart: number,
  ): void {
    const key = `${plan.kind}.${plan.layer}`;
    let entry = this.sparse.get(key);
    if (!entry) this.sparse.set(key, (entry = { plan, matrix: new TopKAssembler(plan.heads, plan.maxQueries, k), bands: false }));
    const { matrix } = entry;
    if (parts.first && parts.last && parts.count) {
      entry.bands = true;
      matrix.writeBands(parts.first.data as Int32Array, parts.last.data as Int32Array, parts.count.data as Int32Array, queryStart);
    }
    const rows = matrix.write(
      parts.values.data as Uint16Array,
      parts.indices.data as Int32Array,
      parts.rest.data as Float32Array,
      parts.values.dims,
      queryStart,
    );
    matrix.filled = Math.max(matrix.filled, Math.min(queryStart + rows, plan.maxQueries));
  }

  addAttention(plan: CapturePlan, tensor: ort.Tensor, name: string, queryStart: number): void {
    const key = `${plan.kind}.${plan.layer}`;
    let entry = this.attention.get(key);
    if (!entry)
      this.attention.set(
        key,
        (entry = {
          plan,
          matrix: new MatrixAssembler(plan.heads, plan.maxQueries, plan.maxKeys, this.averageHeads, 0, this.averageHeads ? 32 : this.bits),
        }),
      );
    entry.matrix.write(floatData(tensor, name), tensor.dims, queryStart);
  }

  /**
   * One layer's masks for this step. A model may apply several (GPT-2 exports: a causal Where and an additive
   * padding mask); each becomes additive (0 visible, -inf hidden, or the model's own values) and they add up.
   */
  addMasks(plan: CapturePlan, parts: { tensor: ort.Tensor; name: string; kind: MaskKind }[], queryStart: number): void {
    const key = `${plan.kind}.${plan.layer}`;
    let entry = this.masks.get(key);
    // Cells no step writes (keys that did not exist yet for that query) start hidden.
    if (!entry) this.masks.set(key, (entry = { plan, raw: new MatrixAssembler(1, plan.maxQueries, plan.maxKeys, false, -Infinity) }));
    const rows = this.stepRows.get(plan.kind) ?? 1;
    let combined: Float32Array | undefined;
    let cols = 0;
    for (const part of parts) {
      const { rows: partRows, cols: partCols } = lastTwo(part.tensor.dims);
      cols = partCols;
      combined ??= new Float32Array(rows * cols);
      // One tight loop per mask kind (this runs over every layer's q × k cells): additive values add; a boolean
      // mask hides with -inf (bool tensors are read as bytes, without a float copy).
      const additiveValues = part.kind === 'additive' ? floatData(part.tensor, part.name) : undefined;
      const flags = additiveValues
        ? undefined
        : part.tensor.type === 'bool' || part.tensor.type === 'uint8'
          ? (part.tensor.data as Uint8Array)
          : floatData(part.tensor, part.name);
      const hideWhen = part.kind === 'keep-where-true' ? 0 : 1;
      for (let r = 0; r < rows; r++) {
        // A mask broadcast over queries ([b,1,1,k]) applies to every query row of this step.
        const from = (partRows === 1 ? 0 : Math.min(r, partRows - 1)) * partCols;
        const to = r * cols;
        if (additiveValues) for (let c = 0; c < cols; c++) combined[to + c] += additiveValues[from + c];
        else for (let c = 0; c < cols; c++) if ((flags![from + c] !== 0 ? 1 : 0) === hideWhen) combined[to + c] = -Infinity;
      }
    }
    if (combined) entry.raw.write(combined, [rows, cols], queryStart);
  }

  /** How many query rows the current step feeds, per kind, for broadcast masks. */
  readonly stepRows = new Map<AttentionKind, number>();

  /**
   * One step's hidden states, all layers at once: the norm of each new row, and its cosine with the previous
   * layer's row at the same position — computed here, while both tensors are at hand, so the chart of how far
   * each layer turns the residual stream needs no stored vectors.
   */
  addHiddenStep(parts: { layer: number; tensor: ort.Tensor; name: string }[], queryStart: number): void {
    let previous: { values: Float32Array; norms: Float64Array; width: number } | undefined;
    for (const part of [...parts].sort((a, b) => a.layer - b.layer)) {
      const values = floatData(part.tensor, part.name);
      const width = part.tensor.dims[part.tensor.dims.length - 1];
      const rows = values.length / width;
      let entry = this.hidden.get(part.layer);
      if (!entry) this.hidden.set(part.layer, (entry = { norms: [], cosines: [], vectors: this.keepVectors ? [] : undefined, width }));
      const before = previous && previous.width === width && previous.values.length === values.length ? previous : undefined;
      const norms = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        // One pass per row: its squared norm, and its dot product with the previous layer's row (whose norm is known).
        const at = r * width;
        let sum = 0;
        let dot = 0;
        if (before) {
          const b = before.values;
          for (let i = at; i < at + width; i++) {
            sum += values[i] * values[i];
            dot += values[i] * b[i];
          }
        } else for (let i = at; i < at + width; i++) sum += values[i] * values[i];
        norms[r] = Math.sqrt(sum);
        // A recompute feeds every position again: rows already recorded are skipped.
        if (queryStart + r < entry.norms.length) continue;
        entry.norms.push(norms[r]);
        const denominator = before ? before.norms[r] * norms[r] : 0;
        entry.cosines.push(denominator > 0 ? dot / denominator : NaN);
        entry.vectors?.push(values.slice(at, at + width));
      }
      previous = { values, norms, width };
    }
  }

  finish(axis: (kind: AttentionKind) => { queries: number; keys: number }): {
    attention: AttentionCapture[];
    masks: MaskCapture[];
    hidden: HiddenCapture[];
  } {
    const order = (a: { plan: CapturePlan }, b: { plan: CapturePlan }) =>
      kindOrder(a.plan.kind) - kindOrder(b.plan.kind) || a.plan.layer - b.plan.layer;
    const attention: AttentionCapture[] = [...this.attention.values()].sort(order).map(({ plan, matrix }): AttentionCapture => {
      const { queries, keys } = axis(plan.kind);
      const values = matrix.crop(queries, keys);
      const common = {
        layer: plan.layer,
        kind: plan.kind,
        heads: this.averageHeads ? 1 : plan.heads,
        headAveraged: this.averageHeads,
        queries,
        keys,
      };
      if (values instanceof Float32Array) return { ...common, data: values };
      const bits = matrix.bits as 16 | 8;
      // 16-bit codes travel as their little-endian bytes (the trace format's typed arrays are float32, uint8 and int32).
      const codes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      return {
        ...common,
        data: new Float32Array(0),
        quantized: { bits, codes, maxError: quantisationError(bits), ...(bits === SQRT_CODES ? { coding: 'sqrt' as const } : {}) },
      };
    });
    const sparse = [...this.sparse.values()].sort(order);
    for (const { plan, matrix } of sparse) {
      const { queries, keys } = axis(plan.kind);
      const kept = matrix.crop(queries);
      attention.push({
        layer: plan.layer,
        kind: plan.kind,
        heads: plan.heads,
        headAveraged: false,
        queries,
        keys,
        data: new Float32Array(0),
        topK: {
          k: matrix.k,
          values: new Uint8Array(kept.values.buffer, kept.values.byteOffset, kept.values.byteLength),
          indices: kept.indices,
          rest: kept.rest,
          maxRelativeError: FLOAT16_RELATIVE_ERROR,
        },
      });
    }
    const bandMasks: MaskCapture[] = sparse
      .filter((s) => s.bands)
      .map(({ plan, matrix }) => {
        const { queries, keys } = axis(plan.kind);
        const { first, last, count } = matrix.crop(queries);
        return {
          layer: plan.layer,
          kind: plan.kind,
          queries,
          keys,
          visible: new Uint8Array(0),
          raw: new Float32Array(0),
          bands: { first, last, count },
        };
      });
    const masks = [...this.masks.values()].sort(order).map(({ plan, raw }) => {
      const { queries, keys } = axis(plan.kind);
      const values = raw.crop(queries, keys) as Float32Array;
      const visible = new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) visible[i] = values[i] > HIDDEN_THRESHOLD ? 1 : 0;
      return { layer: plan.layer, kind: plan.kind, queries, keys, visible, raw: values };
    });
    const hidden = [...this.hidden.entries()]
      .sort(([a], [b]) => a - b)
      .map(([layer, h]) => ({
        layer,
        norms: Float32Array.from(h.norms),
        cosineToPrevious: Float32Array.from(h.cosines),
        width: h.width,
        vectors: h.vectors ? concatRows(h.vectors, h.width) : undefined,
      }));
    return { attention, masks: [...masks, ...bandMasks], hidden };
  }
}

export type MaskKind = 'additive' | 'keep-where-true' | 'hide-where-true';

/** Writes values[from, from + width) as codes round(√p × levels), clamped to [0, levels]. */
function quantiseSqrtInto(values: Float32Array, from: number, width: number, out: Uint8Array, at: number, levels: number): void {
  for (let i = 0; i < width; i++) {
    const p = values[from + i];
    const v = (p > 0 ? Math.sqrt(p) : 0) * levels + 0.5;
    out[at + i] = v >= levels ? levels : v;
  }
}

/** Writes values[from, from + width) as codes round(p × levels), clamped to [0, levels] (probabilities are in [0, 1]). */
function quantiseInto(values: Float32Array, from: number, width: number, out: Uint16Array | Uint8Array, at: number, levels: number): void {
  for (let i = 0; i < width; i++) {
    const v = values[from + i] * levels + 0.5;
    out[at + i] = v <= 0 ? 0 : v >= levels ? levels : v;
  }
}

const kindOrder = (kind: AttentionKind) => (kind === 'encoder' ? 0 : kind === 'self' ? 1 : 2);

function concatRows(rows: Float32Array[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => out.set(row, i * width));
  return out;
}
