/**
 * Host ⇄ attention panel webview. The host keeps the whole Trace; the panel asks for what it shows (one head,
 * a grid of thumbnails, one step's top-k) and every tensor crosses as a typed array, never as JSON numbers.
 * The same handlers also serve the standalone HTML report from data embedded in the page.
 */
import type { Method } from './rpc';
import type { AttentionCapture } from '../core/trace/types';
import type { AttentionKind, StopReason, TopToken, ViewModel, ViewToken } from './trace';
import type { ModelSummary } from './model';

export type HeadChoice = number | 'mean';

/** What one attention capture holds, without its tensor: the trace's AttentionCapture minus data. */
export interface PanelCaptureInfo extends Omit<AttentionCapture, 'data'> {
  /** A mask read from the graph exists for this layer and kind. */
  masked: boolean;
}

/** Everything small about a trace: tokens, probabilities, what was captured. No attention tensors. */
export interface PanelTraceMeta {
  traceId: string;
  createdAt: string;
  model: ViewModel;
  inputText: string;
  inputTokens: ViewToken[];
  /** p(input token i | tokens before it); NaN where undefined. */
  inputProbs: Float32Array;
  /** The self-attention axis (see Trace.positions). */
  positions: ViewToken[];
  generated: TopToken[];
  stopReason: StopReason;
  captures: PanelCaptureInfo[];
  dropped: string[];
  unavailable: { node: string; reason: string }[];
}

/** Where the panel should look when a trace is shown (e.g. the token under the cursor). */
export interface PanelFocus {
  /** Index on the self-attention (positions) axis. */
  position?: number;
  layer?: number;
  kind?: AttentionKind;
  head?: HeadChoice;
}

export interface PanelOpenResult {
  meta: PanelTraceMeta;
  focus?: PanelFocus;
  /** Increases with every show(): the panel applies a focus once. */
  focusSeq: number;
}

export interface MatrixParams {
  traceId: string;
  layer: number;
  kind: AttentionKind;
  head: HeadChoice;
}
export interface MatrixResult {
  queries: number;
  keys: number;
  /** [query][key] probabilities; empty when `codes` carries them. */
  data: Float32Array;
  /**
   * The head as the capture stored it (8- or 16-bit codes, QuantizedCapture's layout and coding): a quarter or half
   * of float32 on the wire, and nothing for the host to decode. Read with panelData's expandMatrix.
   */
  codes?: { bits: 8 | 16; coding?: 'sqrt'; bytes: Uint8Array };
  /**
   * The head as a sparse capture keeps it (each query row's k largest probabilities, their keys and the rest mass,
   * AttentionCapture.topK's layout for one head): ~1.4 MB instead of 64 MB at 4,096² with k = 56. Read with expandMatrix.
   */
  topK?: { k: number; values: Uint8Array; indices: Int32Array; rest: Float32Array; maxRelativeError: number };
  /** [query][key] 1 where the model let the query see the key; absent when no mask was captured. */
  visible?: Uint8Array;
  /** Instead of `visible`, for a mask kept as bands (beside a top-k capture): MaskCapture.bands, read with expandMatrix. */
  visibleBands?: { first: Int32Array; last: Int32Array; count: Int32Array };
}

export interface ThumbnailParams {
  traceId: string;
  kind: AttentionKind;
  /** Longest side in cells; each thumbnail is max-pooled down to at most this. */
  size: number;
}
export interface ThumbnailResult {
  layers: number[];
  heads: number;
  rows: number;
  cols: number;
  /** [layer][head][row][col], √p quantized to 0..255 (see webview/shared/colorScale). */
  data: Uint8Array;
  /** Heads per layer actually stored (1 for head-averaged layers). */
  headsPerLayer: Uint8Array;
  /** [layer][row][col] 1 where every cell of the block is masked. */
  masked: Uint8Array;
}

export interface AcrossLayersParams {
  traceId: string;
  kind: AttentionKind;
  query: number;
  head: HeadChoice;
}
export interface AcrossLayersResult {
  layers: number[];
  keys: number;
  /** [layer][key] the weight the query pays to each key. */
  data: Float32Array;
}

export interface EntropyParams {
  traceId: string;
  kind: AttentionKind;
  query: number;
}
export interface EntropyResult {
  layers: number[];
  heads: number;
  /** [layer][head] entropy in bits of the query's row; NaN for heads not stored. */
  data: Float32Array;
  /** log2 of the keys the query may see (the largest possible entropy). */
  maxBits: number;
}

export interface TopKResult {
  step: number;
  chosen: TopToken;
  top: TopToken[];
}

/** The logit lens as the panel shows it; absent from a trace decoded without the lens. */
export interface LensResult {
  layers: number[];
  /** The positions (self-attention axis) the lens read, ascending. */
  positions: Int32Array;
  /** [layer][position] each layer's top-1 token id and probability. */
  topIds: Int32Array;
  topProbs: Float32Array;
  /** [layer][position] the top-1 token's text (untrusted: rendered as text only). */
  topTexts: string[];
  /** [position][layer] each layer's probability of the token that actually came next; NaN if unknown. */
  nextProbs: Float32Array;
  /** Per position, the layer from which the top-1 token is the final one and stays so. */
  decision: Int32Array;
  /** Why some or all of the decode ran without a lens. */
  unavailable: string[];
}

/** Per-layer hidden-state statistics (the residual stream's norm and how far each layer turned it). */
export interface HiddenResult {
  layers: number[];
  /** Mean L2 norm over positions, per layer. */
  meanNorm: Float32Array;
  /** 1 − the mean cosine with the previous layer, per layer; NaN for the first layer or without hidden vectors. */
  change: Float32Array;
}

/** Data methods: served by the host, and by the report page itself. */
export type PanelDataMethods = {
  matrix: Method<MatrixParams, MatrixResult>;
  thumbnails: Method<ThumbnailParams, ThumbnailResult>;
  acrossLayers: Method<AcrossLayersParams, AcrossLayersResult>;
  entropy: Method<EntropyParams, EntropyResult>;
  topK: Method<{ traceId: string; step: number }, TopKResult>;
  /** null when the trace was decoded without the lens. */
  lens: Method<{ traceId: string }, LensResult | null>;
  /** null when no hidden states were captured. */
  hidden: Method<{ traceId: string }, HiddenResult | null>;
};

/** Heads chosen in the model grid, to rerun the shown trace's input with them ablated. */
export interface AblateHeadsRequest {
  traceId: string;
  heads: { kind: AttentionKind; layer: number; head: number }[];
  mode: 'zero' | 'mean';
}

/** Served by the host, asked by the panel. */
export type PanelHostMethods = PanelDataMethods & {
  /** Reruns the shown trace with these heads ablated and opens the compare view. */
  ablateHeads: Method<AblateHeadsRequest, void>;
  /** The trace to show (null when the host has none, e.g. a restored panel whose file is gone). */
  open: Method<{ traceId?: string }, PanelOpenResult | null>;
  /** Asks where to save and writes the PNG; resolves to the file written or null when cancelled. */
  savePng: Method<{ name: string; png: Uint8Array }, { saved: string | null }>;
  /** Writes the whole trace as a self-contained HTML report. */
  exportHtml: Method<{ traceId: string }, { saved: string | null }>;
};

/** Served by the panel, asked by the host. */
export type PanelMethods = {
  /** The model summary (the "Inspect Model Outputs" smoke command). */
  showModel: Method<{ summary: ModelSummary }, void>;
  showError: Method<{ message: string }, void>;
};

/** The panel's selection, as it saves it with setState. */
export interface PanelUiState {
  traceId?: string;
  kind: AttentionKind;
  layer: number;
  head: HeadChoice;
  /** Query index on the positions axis (self and cross). */
  query: number;
  /** Query index on the input axis (encoder attention of encoder-decoder models). */
  encoderQuery: number;
  scale: 'sqrt' | 'linear';
  /** The last focus applied (see PanelOpenResult.focusSeq). */
  focusSeq: number;
}

/** Emitted by the panel. */
export type PanelEvents = {
  /** The selection changed (the host keeps it for commands and tests). */
  selection: PanelUiState;
};

/** Emitted by the host. */
export type PanelHostEvents = {
  /** A new trace was shown while the panel is live. */
  trace: PanelOpenResult;
};
