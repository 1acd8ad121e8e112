/**
 * Answers the panel's data requests from one trace's tensors: a head, the head mean, the thumbnail grid, one
 * query across layers, entropies, a step's top-k. DOM-free and vscode-free: the extension host serves the live
 * panel with it, and the HTML report serves itself with it from embedded data, so both show the same thing.
 */
import { attentionHead, attentionHeadMean, attentionQueryRow, attentionStore } from '../core/trace/attention';
import { maskVisible, maskVisibleRow } from '../core/trace/masks';
import type { AttentionCapture, MaskCapture } from '../core/trace/types';
import type { Handlers } from '../protocol/rpc';
import { RemoteError } from '../protocol/rpc';
import type {
  AcrossLayersParams,
  AcrossLayersResult,
  EntropyParams,
  EntropyResult,
  HeadChoice,
  HiddenResult,
  LensResult,
  MatrixParams,
  MatrixResult,
  PanelDataMethods,
  PanelTraceMeta,
  ThumbnailParams,
  ThumbnailResult,
  TopKResult,
} from '../protocol/panel';
import type { AttentionKind } from '../protocol/trace';
import { probToByte } from './colorScale';
import { layersOfKind, maskOf, poolAttention, runNow, type PooledAttention, type Work } from '../core/trace/attentionGrid';
import { entropyBits } from './stats';

/** A trace's attention capture, by reference. */
export type PanelAttention = AttentionCapture;
/** A trace's mask capture without the raw additive values (the panel draws visible/hidden only). */
export type PanelMask = Omit<MaskCapture, 'raw'>;
/** One trace as the panel's data service holds it (the host builds it from a Trace without copying tensors). */
export interface PanelData {
  meta: PanelTraceMeta;
  /** Top-k per generated step. */
  top: TopKResult['top'][];
  attention: PanelAttention[];
  masks: PanelMask[];
  /** The logit lens, when the trace was decoded with it. */
  lens?: LensResult;
  /** Per-layer hidden-state statistics, when hidden states were captured. */
  hidden?: HiddenResult;
}

const fail = (message: string): never => {
  throw new RemoteError({ code: 'bad-input', message });
};

export class PanelDataService {
  private readonly means = new Map<string, Float32Array>();
  private readonly thumbs = new Map<string, ThumbnailResult>();
  private readonly pendingThumbs = new Map<string, Promise<ThumbnailResult>>();

  constructor(readonly data: PanelData) {}

  matrix({ layer, kind, head }: MatrixParams): MatrixResult {
    const a = this.capture(layer, kind);
    // slice, never subarray: a view would post the whole underlying buffer.
    const data = head === 'mean' ? this.mean(a).slice() : attentionHead(a, this.headIndex(a, head), true);
    const mask = this.mask(a);
    return { queries: a.queries, keys: a.keys, data, ...(mask ? { visible: maskVisible(mask).slice() } : {}) };
  }

  thumbnails(params: ThumbnailParams): ThumbnailResult {
    return runNow(this.thumbnailWork(params));
  }

  /**
   * As thumbnails(), in slices of a few milliseconds with the event loop free between them: at T = 4,096 a grid
   * of 384 heads is billions of reads, which the extension host must not spend in one go. Concurrent asks for the
   * same grid share one computation.
   */
  thumbnailsSliced(params: ThumbnailParams): Promise<ThumbnailResult> {
    const key = `${params.kind}:${params.size}`;
    let pending = this.pendingThumbs.get(key);
    if (!pending) {
      pending = runSliced(this.thumbnailWork(params));
      this.pendingThumbs.set(key, pending);
      void pending.then(
        () => this.pendingThumbs.delete(key),
        () => this.pendingThumbs.delete(key),
      );
    }
    return pending.then(cloneThumbs);
  }

  /** As matrix(), decoding a compact head (or averaging the heads) a band of rows per slice. */
  async matrixSliced(params: MatrixParams): Promise<MatrixResult> {
    const a = this.capture(params.layer, params.kind);
    if (a.topK && params.head !== 'mean') return this.headTopK(a, this.headIndex(a, params.head));
    if ((params.head !== 'mean' && !a.quantized) || a.topK) return this.matrix(params);
    if (params.head === 'mean' && (a.heads === 1 || this.means.has(`${a.kind}:${a.layer}`))) return this.matrix(params);
    if (params.head === 'mean') this.means.set(`${a.kind}:${a.layer}`, await runSliced(headMeanWork(a)));
    else return this.headCodes(a, this.headIndex(a, params.head));
    return this.matrix(params);
  }

  /** A sparse head as its own top-k rows (copies of its stretch of the capture), expanded by the panel. */
  private headTopK(a: PanelAttention, head: number): MatrixResult {
    const t = a.topK!;
    const row0 = (a.headAveraged ? 0 : head) * a.queries;
    const cells = a.queries * t.k;
    const mask = this.mask(a);
    return {
      queries: a.queries,
      keys: a.keys,
      data: new Float32Array(0),
      topK: {
        k: t.k,
        values: t.values.slice(row0 * t.k * 2, row0 * t.k * 2 + cells * 2),
        indices: t.indices.slice(row0 * t.k, row0 * t.k + cells),
        rest: t.rest.slice(row0, row0 + a.queries),
        maxRelativeError: t.maxRelativeError,
      },
      ...(mask ? maskOnWire(mask) : {}),
    };
  }

  /** A compact head as its codes (a copy of its stretch of the capture), decoded by the panel (expandMatrix). */
  private headCodes(a: PanelAttention, head: number): MatrixResult {
    const q = a.quantized!;
    const bytes = (q.bits / 8) * a.queries * a.keys;
    const from = (a.headAveraged ? 0 : head) * bytes;
    const mask = this.mask(a);
    return {
      queries: a.queries,
      keys: a.keys,
      data: new Float32Array(0),
      codes: { bits: q.bits, ...(q.coding ? { coding: q.coding } : {}), bytes: q.codes.slice(from, from + bytes) },
      ...(mask ? maskOnWire(mask) : {}),
    };
  }

  /** The grid's bytes from the pooled maxima, cached. */
  private thumbnailsFrom({ kind, size }: ThumbnailParams, pooled: PooledAttention): ThumbnailResult {
    const { rows, cols, heads, maxima, scales, squared } = pooled;
    const data = new Uint8Array(maxima.length);
    const cells = heads * rows * cols;
    for (let l = 0; l < pooled.layers.length; l++) {
      const scale = scales[l];
      // The max of codes is the code of the max (codes are monotonic in p, √p codes too).
      const toByte =
        scale === 1 ? probToByte : squared[l] ? (v: number) => probToByte((v * scale) ** 2) : (v: number) => probToByte(v * scale);
      for (let i = l * cells, end = (l + 1) * cells; i < end; i++) data[i] = toByte(maxima[i]);
    }
    const result: ThumbnailResult = {
      layers: pooled.layers,
      heads,
      rows,
      cols,
      data,
      masked: pooled.masked,
      headsPerLayer: pooled.headsPerLayer,
    };
    this.thumbs.set(`${kind}:${size}`, result);
    return cloneThumbs(result);
  }

  /** The cached grid, if this size was pooled before. */
  private cachedThumbnails({ kind, size }: ThumbnailParams): ThumbnailResult | undefined {
    const cached = this.thumbs.get(`${kind}:${size}`);
    return cached && cloneThumbs(cached);
  }

  private *thumbnailWork(params: ThumbnailParams): Generator<void, ThumbnailResult, void> {
    const cached = this.cachedThumbnails(params);
    if (cached) return cached;
    if (!this.layersOf(params.kind).length) fail(`No ${params.kind} attention was captured.`);
    return this.thumbnailsFrom(params, yield* poolAttention(this.data.attention, this.data.masks, params.kind, params.size));
  }

  acrossLayers({ kind, query, head }: AcrossLayersParams): AcrossLayersResult {
    const layers = this.layersOf(kind);
    const keys = layers[0]?.keys ?? 0;
    const data = new Float32Array(layers.length * keys);
    layers.forEach((a, l) => data.set(this.row(a, head, query).subarray(0, keys), l * keys));
    return { layers: layers.map((a) => a.layer), keys, data };
  }

  entropy({ kind, query }: EntropyParams): EntropyResult {
    const layers = this.layersOf(kind);
    const heads = Math.max(0, ...layers.map((a) => a.heads));
    const data = new Float32Array(layers.length * heads).fill(NaN);
    let maxBits = 0;
    layers.forEach((a, l) => {
      const m = this.mask(a);
      const visible = m ? maskVisibleRow(m, query) : undefined;
      for (let h = 0; h < a.heads; h++) data[l * heads + h] = entropyBits(this.row(a, h, query), visible);
      const seen = visible
        ? visible.reduce((n, v) => n + (v ? 1 : 0), 0)
        : this.row(a, 'mean', query).reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
      maxBits = Math.max(maxBits, seen > 0 ? Math.log2(seen) : 0);
    });
    return { layers: layers.map((a) => a.layer), heads, data, maxBits };
  }

  topK({ step }: { step: number }): TopKResult {
    const chosen = this.data.meta.generated[step];
    if (!chosen) fail(`There is no generated step ${step}.`);
    return { step, chosen, top: this.data.top[step] ?? [] };
  }

  lens(): LensResult | null {
    return this.data.lens ? cloneLens(this.data.lens) : null;
  }

  hidden(): HiddenResult | null {
    return this.data.hidden ? cloneHidden(this.data.hidden) : null;
  }

  private capture(layer: number, kind: AttentionKind): PanelAttention {
    return (
      this.data.attention.find((a) => a.layer === layer && a.kind === kind) ?? fail(`No ${kind} attention was captured for layer ${layer}.`)
    );
  }

  private layersOf(kind: AttentionKind): PanelAttention[] {
    return layersOfKind(this.data.attention, kind);
  }

  private headIndex(a: PanelAttention, head: number): number {
    if (a.headAveraged) return 0;
    if (!Number.isInteger(head) || head < 0 || head >= a.heads) fail(`Layer ${a.layer} has no head ${head}.`);
    return head;
  }

  private mean(a: PanelAttention): Float32Array {
    if (a.heads === 1) return attentionHeadMean(a);
    const key = `${a.kind}:${a.layer}`;
    let m = this.means.get(key);
    if (!m) this.means.set(key, (m = attentionHeadMean(a)));
    return m;
  }

  private row(a: PanelAttention, head: HeadChoice, query: number): Float32Array {
    if (!Number.isInteger(query) || query < 0 || query >= a.queries) fail(`Query ${query} is outside 0…${a.queries - 1}.`);
    if (head !== 'mean') return attentionQueryRow(a, this.headIndex(a, head), query);
    const cached = a.heads === 1 ? undefined : this.means.get(`${a.kind}:${a.layer}`);
    if (a.heads === 1 || cached || a.topK) return this.mean(a).subarray(query * a.keys, (query + 1) * a.keys);
    // One row of the mean reads heads × keys values; the whole mean (for each layer, as the charts ask) would
    // read heads × queries × keys. Summed in the same order and precision as attentionHeadMean: equal values.
    const out = new Float32Array(a.keys);
    const { values, scale, squared } = attentionStore(a);
    for (let h = 0; h < a.heads; h++) {
      const base = (h * a.queries + query) * a.keys;
      if (squared)
        for (let i = 0; i < a.keys; i++) {
          const r = values[base + i] * scale;
          out[i] += r * r;
        }
      else for (let i = 0; i < a.keys; i++) out[i] += values[base + i] * scale;
    }
    for (let i = 0; i < a.keys; i++) out[i] /= a.heads;
    return out;
  }

  private mask(a: PanelAttention): PanelMask | undefined {
    return maskOf(this.data.masks, a);
  }
}

/** A head's mask as it crosses to the panel: a banded mask as its bands (12 bytes a row), a dense one as copied cells. */
function maskOnWire(mask: PanelMask): Pick<MatrixResult, 'visible' | 'visibleBands'> {
  const b = mask.bands;
  return b
    ? { visibleBands: { first: b.first.slice(), last: b.last.slice(), count: b.count.slice() } }
    : { visible: maskVisible(mask).slice() };
}

/** Slices of about `budgetMs` of work, each followed by a macrotask turn (timers, I/O and messages run between). */
async function runSliced<T>(work: Work<T>, budgetMs = 8): Promise<T> {
  let start = performance.now();
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
    if (performance.now() - start >= budgetMs) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      start = performance.now();
    }
  }
}

/** Rows decoded or averaged per slice: about 256 K values. */
const rowsPerSlice = (a: PanelAttention, reads: number) => Math.max(1, Math.floor(2 ** 18 / Math.max(1, a.keys * reads)));

/** The mean over heads, summed in attentionHeadMean's order and precision (equal values), a band per slice. */
function* headMeanWork(a: PanelAttention): Work<Float32Array> {
  const { values, scale, squared } = attentionStore(a);
  const size = a.queries * a.keys;
  const out = new Float32Array(size);
  const step = rowsPerSlice(a, a.heads) * a.keys;
  for (let from = 0; from < size; from += step) {
    const end = Math.min(size, from + step);
    for (let h = 0; h < a.heads; h++) {
      const base = h * size;
      if (squared)
        for (let i = from; i < end; i++) {
          const r = values[base + i] * scale;
          out[i] += r * r;
        }
      else for (let i = from; i < end; i++) out[i] += values[base + i] * scale;
    }
    for (let i = from; i < end; i++) out[i] /= a.heads;
    yield;
  }
  return out;
}

/** Cached thumbnails are copied out: a posted or transferred buffer must not be the cache's own. */
function cloneThumbs(t: ThumbnailResult): ThumbnailResult {
  return { ...t, layers: [...t.layers], data: t.data.slice(), masked: t.masked.slice(), headsPerLayer: t.headsPerLayer.slice() };
}

/** The data methods for whichever trace a request names. */
export function dataHandlers(resolve: (traceId: string) => PanelDataService | undefined): Handlers<PanelDataMethods> {
  const get = (traceId: string) => resolve(traceId) ?? fail('This trace is no longer loaded; show it again.');
  return {
    matrix: (p) => get(p.traceId).matrixSliced(p),
    thumbnails: (p) => get(p.traceId).thumbnailsSliced(p),
    acrossLayers: (p) => get(p.traceId).acrossLayers(p),
    entropy: (p) => get(p.traceId).entropy(p),
    topK: (p) => get(p.traceId).topK(p),
    lens: (p) => get(p.traceId).lens(),
    hidden: (p) => get(p.traceId).hidden(),
  };
}

/** Lens and hidden results are copied out too (see cloneThumbs). */
function cloneLens(r: LensResult): LensResult {
  return {
    ...r,
    layers: [...r.layers],
    positions: r.positions.slice(),
    topIds: r.topIds.slice(),
    topProbs: r.topProbs.slice(),
    topTexts: [...r.topTexts],
    nextProbs: r.nextProbs.slice(),
    decision: r.decision.slice(),
    unavailable: [...r.unavailable],
  };
}
function cloneHidden(r: HiddenResult): HiddenResult {
  return { layers: [...r.layers], meanNorm: r.meanNorm.slice(), change: r.change.slice() };
}
