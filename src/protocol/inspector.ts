/**
 * Host ⇄ "Masks" view (the mask inspector). The host keeps the traces, runs the checks and the reruns; the view
 * gets one snapshot with everything it draws. Grids and divergences cross as typed arrays, never JSON numbers.
 * Type-only for the webview (it may not import the core).
 */
import type { KindDivergence, RunComparison, StepDelta } from '../core/masks/compare';
import type { GridRequest, PooledGrid, PooledImplied } from '../core/masks/grids';
import type { CheckContext, Finding, ProbeId, ProbeResult, TapFacts } from '../core/masks/types';
import type { AttentionCapture, MaskCapture, Trace } from '../core/trace/types';
import type { AttentionKind, TopToken, ViewModel, ViewToken } from './trace';

export type { KindDivergence, StepDelta };
import type { Method } from './rpc';

/**
 * The mask a fused kernel applies inside itself (GroupQueryAttention, com.microsoft Attention, ONNX Attention
 * is_causal), as the op's inputs and attributes imply it, beside the one observed in the captured probabilities.
 */
export type InspectorImplied = PooledImplied;

/**
 * One layer's mask as the model applied it, next to what it should be. The arrays hold rows × cols cells: the
 * whole grid at full resolution when it is small, else downsampled (each cell a qStep × kStep block from (q0, k0),
 * the hidden bit kept: a block is hidden when any cell of it is) or a block of it (the view's zoom).
 */
export type InspectorGrid = Omit<PooledGrid, 'weight' | 'implied'> & {
  /** [query][key] √(largest weight over heads) as a byte (the panel's encoding), 0 where nothing was captured. */
  weight: Uint8Array;
  implied: InspectorImplied | null;
};

/** Which cells of a grid to send: at most maxRows × maxCols, of the block from (q0, k0) (default: the whole grid). */
export interface InspectorGridRequest {
  runId: string;
  kind: AttentionKind;
  layer: number;
  maxRows: number;
  maxCols: number;
  q0?: number;
  k0?: number;
  rows?: number;
  cols?: number;
}

/** Cells a side of each grid in a snapshot: larger grids come downsampled, and the view asks for what it draws. */
export const OVERVIEW_CELLS = 64;

export type InspectorRunRole = 'original' | 'rerun' | 'probe';

export interface InspectorRun {
  runId: string;
  role: InspectorRunRole;
  /** "Original", "Rerun: 2 tokens hidden", "Check: position 4 hidden". */
  label: string;
  inputTokens: ViewToken[];
  /** The self-attention axis (the trace's positions). */
  positions: ViewToken[];
  /** attention_mask (decoder-only) or encoder_attention_mask (encoder-decoder) over the input tokens. */
  inputMask: Uint8Array;
  generated: TopToken[];
  /** Untrusted. */
  generatedText: string;
  grids: InspectorGrid[];
  /** What the capture could not record, in words. */
  notes: string[];
}

export type InspectorCheck = 'leak' | 'mask-mismatch' | 'cross-padding' | 'causal' | 'causal-alignment' | 'positions' | 'window';

export interface InspectorFinding {
  check: InspectorCheck;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** The run whose grids the cells are on. */
  runId: string;
  /** Cells as [layer, kind index into ATTENTION_KINDS, query, key] quadruples. */
  cells: Int32Array;
  cellCount: number;
}

/** The original against the rerun (the core's RunComparison), and which runs those are. */
export interface InspectorComparison extends RunComparison {
  baseRunId: string;
  otherRunId: string;
}

export interface InspectorSnapshot {
  /** Increases with every snapshot the host makes. */
  seq: number;
  model: ViewModel;
  runs: InspectorRun[];
  /** The run the host shows elsewhere (the attention panel) and the view opens on. */
  activeRunId: string;
  findings: InspectorFinding[];
  /** The probe decodes are still running: more findings may come. */
  checking: boolean;
  /** What the checks could not do, in words. */
  checkNotes: string[];
  /** The original against the rerun, once there is one. */
  comparison: InspectorComparison | null;
}

/** Served by the host, asked by the view. */
export type InspectorHostMethods = {
  /** The current snapshot (null before the first decode). */
  open: Method<Record<string, never>, InspectorSnapshot | null>;
  /** Decodes the original prompt again with this input mask (one 0/1 per input token). */
  rerun: Method<{ mask: Uint8Array }, InspectorSnapshot | null>;
  /** Drops the rerun: back to the original alone. */
  reset: Method<Record<string, never>, InspectorSnapshot | null>;
  /** The view switched runs: the host shows that one in the attention panel. */
  activate: Method<{ runId: string }, void>;
  /**
   * One grid at the size the view draws it (the snapshot carries every grid at most OVERVIEW_CELLS a side):
   * downsampled to the canvas, or a block of it at full resolution when the view zooms. Null for an unknown run.
   */
  grid: Method<InspectorGridRequest, InspectorGrid | null>;
};

/** What the view shows right now (the host keeps it for commands and tests). */
export interface InspectorRendered {
  seq: number;
  runId: string;
  kind: AttentionKind;
  layer: number;
  /** The mask the view would rerun with. */
  pendingMask: number[];
  /** The first changed token as the view wrote it, or null. */
  firstChanged: string | null;
  /** The generated text of each run shown, by run id. */
  generated: Record<string, string>;
  findings: number;
  /** The cells drawn of the shown grid (downsampled or a block of it when large). */
  grid?: { rows: number; cols: number; qStep: number; kStep: number; q0: number; k0: number } | null;
  /** "Implied by GroupQueryAttention (/model/…)" when the shown layer's mask is applied inside a fused op. */
  implied?: string | null;
}

export type InspectorViewEvents = {
  rendered: InspectorRendered;
};

export type InspectorHostEvents = {
  /** A new trace, a rerun or finished checks. */
  snapshot: InspectorSnapshot;
  /** The host is decoding (a rerun) or idle. */
  busy: { busy: boolean; message?: string };
};

/** The view serves nothing: the host only pushes events. */
export type InspectorViewMethods = Record<string, never>;

/**
 * Host ⇄ worker for the Masks view: the grids' pooling and the mask checks run in the worker (about a second a
 * layer at T = 4,096). The host sends each trace once, in parts, then asks by id.
 */
/** The worker's error when asked about a trace it dropped (or a restarted worker never had): send it again. */
export const MASKS_UNKNOWN_TRACE = 'The Masks view asked about a trace the worker no longer holds';

export interface MasksTracePart {
  traceId: string;
  /** First: the trace without its captures (attention and masks empty; hidden states and the lens left out). */
  shell?: Trace;
  /** Then each capture, one message apiece, so the host copies one layer at a time. */
  attention?: AttentionCapture;
  mask?: MaskCapture;
}

export interface MasksGridsRequest {
  traceId: string;
  taps: TapFacts[];
  /** Cells a side (OVERVIEW_CELLS in a snapshot). */
  side: number;
}

export interface MasksGridRequest {
  traceId: string;
  taps: TapFacts[];
  request: GridRequest;
}

export interface MasksCheckRequest {
  traceId: string;
  /** The graph facts and locale; the notes come back in the answer. */
  context: Omit<CheckContext, 'note'>;
  /** With the probe decodes' traces (sent like the trace): every check; without: the checks on the trace alone. */
  probes?: ({ id: ProbeId; traceId: string } | Extract<ProbeResult, { error: unknown }>)[];
}

export type MasksWorkerMethods = {
  /** One part of a trace the view shows (see MasksTracePart). */
  masksTrace: Method<MasksTracePart, void>;
  /** Traces the view no longer shows. */
  masksForget: Method<{ traceIds: string[] }, void>;
  /** Every layer's grid pooled to `side` a side. */
  masksGrids: Method<MasksGridsRequest, PooledGrid[]>;
  /** One grid as the view asked for it; null when the trace has no such layer. */
  masksGrid: Method<MasksGridRequest, PooledGrid | null>;
  /** The mask checks and what they could not check. */
  masksCheck: Method<MasksCheckRequest, { findings: Finding[]; notes: string[] }>;
  /** The original against a rerun (the divergence reads every attention row). */
  masksCompare: Method<{ baseTraceId: string; otherTraceId: string }, RunComparison>;
};
