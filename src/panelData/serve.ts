/**
 * Answers the panel's data requests from one trace's tensors: a head, the head mean, the thumbnail grid, one
 * query across layers, entropies, a step's top-k. DOM-free and vscode-free: the extension host serves the live
 * panel with it, and the HTML report serves itself with it from embedded data, so both show the same thing.
 */
import { attentionHead, attentionHeadMean, attentionQueryRow, attentionStore, attentionTopRow } from '../core/trace/attention';
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
import { binRange, maskedBlocks, maxPool, pooledSize } from './downsample';
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

  constructor(readonly data: PanelData) {}

  matrix({ layer, kind, head }: MatrixParams): MatrixResult {
    const a = this.capture(layer, kind);
    // slice, never subarray: a view would post the whole underlying buffer.
    const data = head === 'mean' ? this.mean(a).slice() : attentionHead(a, this.headIndex(a, head), true);
    const mask = this.mask(a);
    return { queries: a.queries, keys: a.keys, data, ...(mask ? { visible: maskVisible(mask).slice() } : {}) };
  }

  thumbnails({ kind, size }: ThumbnailParams): ThumbnailResult {
    const key = `${kind}:${size}`;
    const cached = this.thumbs.get(key);
    if (cached) return cloneThumbs(cached);
    const layers = this.layersOf(kind);
    if (!layers.length) fail(`No ${kind} attention was captured.`);
    const first = layers[0];
    const { rows, cols } = pooledSize(first.queries, first.keys, Math.max(1, Math.min(512, Math.floor(size))));
    const heads = Math.max(...layers.map((a) => a.heads));
    const data = new Uint8Array(layers.length * heads * rows * cols);
    const masked = new Uint8Array(layers.length * rows * cols);
    layers.forEach((a, l) => {
      // Pooled over the stored values (float32 or codes): the max of codes is the code of the max.
      if (a.topK) for (let h = 0; h < a.heads; h++) poolTopK(a, h, data, (l * heads + h) * rows * cols, rows, cols);
      else {
        // The max of codes is the code of the max (codes are monotonic in p, √p codes too).
        const { values, scale, squared } = attentionStore(a);
        const toByte =
          scale === 1 ? probToByte : squared ? (v: number) => probToByte((v * scale) ** 2) : (v: number) => probToByte(v * scale);
        for (let h = 0; h < a.heads; h++)
          maxPool(values, h * a.queries * a.keys, a.queries, a.keys, data, (l * heads + h) * rows * cols, rows, cols, toByte);
      }
      const m = this.mask(a);
      if (m) masked.set(maskedBlocks(maskVisible(m), m.queries, m.keys, rows, cols), l * rows * cols);
    });
    const result: ThumbnailResult = {
      layers: layers.map((a) => a.layer),
      heads,
      rows,
      cols,
      data,
      masked,
      headsPerLayer: Uint8Array.from(layers, (a) => a.heads),
    };
    this.thumbs.set(key, result);
    return cloneThumbs(result);
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
    return this.data.attention.filter((a) => a.kind === kind).sort((x, y) => x.layer - y.layer);
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
    return this.mean(a).subarray(query * a.keys, (query + 1) * a.keys);
  }

  private mask(a: PanelAttention): PanelMask | undefined {
    const m = this.data.masks.find((x) => x.layer === a.layer && x.kind === a.kind);
    return m && m.queries === a.queries && m.keys === a.keys ? m : undefined;
  }
}

/** A top-k capture's head max-pooled like maxPool: each block's largest kept probability (0 where it keeps none). */
function poolTopK(a: PanelAttention, head: number, out: Uint8Array, at: number, rows: number, cols: number): void {
  const binOf = (n: number, total: number) => {
    const bins = new Int32Array(total);
    for (let i = 0; i < n; i++) bins.fill(i, ...binRange(i, n, total));
    return bins;
  };
  const rowBin = binOf(rows, a.queries);
  const colBin = binOf(cols, a.keys);
  const best = new Float32Array(rows * cols);
  for (let q = 0; q < a.queries; q++) {
    const { keys, values } = attentionTopRow(a, head, q);
    const base = rowBin[q] * cols;
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] < 0 || keys[j] >= a.keys) continue;
      const cell = base + colBin[keys[j]];
      if (values[j] > best[cell]) best[cell] = values[j];
    }
  }
  for (let i = 0; i < best.length; i++) out[at + i] = probToByte(best[i]);
}

/** Cached thumbnails are copied out: a posted or transferred buffer must not be the cache's own. */
function cloneThumbs(t: ThumbnailResult): ThumbnailResult {
  return { ...t, layers: [...t.layers], data: t.data.slice(), masked: t.masked.slice(), headsPerLayer: t.headsPerLayer.slice() };
}

/** The data methods for whichever trace a request names. */
export function dataHandlers(resolve: (traceId: string) => PanelDataService | undefined): Handlers<PanelDataMethods> {
  const get = (traceId: string) => resolve(traceId) ?? fail('This trace is no longer loaded; show it again.');
  return {
    matrix: (p) => get(p.traceId).matrix(p),
    thumbnails: (p) => get(p.traceId).thumbnails(p),
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
