/** What the mask checks report, and the extra decodes they may ask the host to run. vscode-free, DOM-free. */
import type { ImpliedMask } from '../onnx/types';
import type { AttentionKind, Trace } from '../trace/types';

export type CheckId =
  /** Attention probability above LEAK_THRESHOLD on a key the applied mask hides. */
  | 'leak'
  /** The applied mask differs from what the input mask (and causality) imply. */
  | 'mask-mismatch'
  /** Cross attention reads encoder positions the encoder_attention_mask hides. */
  | 'cross-padding'
  /** Decoder self attention sees later positions: the causal mask is missing or not lower-triangular. */
  | 'causal'
  /** Under the KV cache the causal mask is aligned to the upper left instead of the bottom right. */
  | 'causal-alignment'
  /** Position ids count hidden (padding) tokens: the model's outputs change when padding is added. */
  | 'positions'
  /** config.json's sliding_window and the window the graph applies disagree (one declares a window the other lacks). */
  | 'window';

export type Severity = 'error' | 'warning' | 'info';

export interface MaskCell {
  layer: number;
  kind: AttentionKind;
  query: number;
  key: number;
}

/** Which decode showed a finding: the trace itself, or one of the probes the checks asked for. */
export type FindingRun = 'trace' | ProbeId;

export interface Finding {
  check: CheckId;
  severity: Severity;
  /** Plain language: what is wrong, where, and what it means. */
  message: string;
  /** The cells involved (at most MAX_CELLS; `cellCount` has them all), on the axes of the run that showed it. */
  cells: MaskCell[];
  cellCount: number;
  run: FindingRun;
  /** What the check read to conclude this: which tensors (by graph name where known) and which cells. */
  evidence?: Evidence[];
}

/** One thing a check read: a layer's captured attention or applied mask (or a probe's output), and where. */
export interface Evidence {
  run: FindingRun;
  layer: number | null;
  kind: AttentionKind | null;
  /** 'attention' (probabilities), 'mask' (the applied mask), 'config' (config.json), 'output' (next-token probabilities, hidden states). */
  read: 'attention' | 'mask' | 'config' | 'output';
  /** The graph tensor (or config key) read, where known. */
  tensor: string | null;
  /** A few of the cells read, [query, key]. */
  cells: [number, number][];
}

/** How a tap's kind and layer were inferred (see findTaps); checks act only on 'structure'. */
export type InferenceBasis = 'structure' | 'scope' | 'order' | 'assumed';

/** What the checks know about one captured layer beyond the trace: its tensors and how it was identified. */
export interface TapFacts {
  layer: number;
  kind: AttentionKind;
  tensor: string;
  mask: string | null;
  inferred: { kind: InferenceBasis; layer: InferenceBasis };
  /** The attention node (its graph name); absent in facts made before it was recorded. */
  node?: string;
  /** Fused ops: the mask their kernel applies inside itself (the inspector shows it beside the observed one). */
  implied?: ImpliedMask;
}

/** The sliding window config.json declares for decoder self attention. */
export interface DeclaredWindow {
  /** Keys a query sees at most (itself included), or null when the config declares no window. */
  size: number | null;
  /** Which self-attention layers use it (Gemma-style layer_types); null = all. */
  layers: number[] | null;
  /** The config key(s) it came from, for the evidence. */
  source: string;
}

export type Locale = 'en' | 'zh-cn';

/** What the checks may know besides the trace (the CLI and host fill what they have). */
export interface CheckContext {
  /** From findTaps: the checks skip (and say why) any layer whose kind or layer was not inferred from structure. */
  taps?: TapFacts[];
  /** From config.json; undefined = not known (the window check does not run). */
  window?: DeclaredWindow;
  locale?: Locale;
  /** Why something was not checked (one sentence each). */
  note?: (why: string) => void;
}

export const LEAK_THRESHOLD = 1e-6;
export const MAX_CELLS = 400;

/**
 * Extra decodes some checks need (a model that ignores its attention_mask looks fine until a token is hidden).
 * The core only plans them and reads their traces; the host runs them through the worker.
 */
export type ProbeId = 'mask-probe' | 'padding-hidden' | 'padding-removed';

export interface ProbeRequest {
  id: ProbeId;
  text: string;
  /** One 0/1 per input token of the probe's text; absent = all shown. */
  attentionMask?: number[];
  maxNewTokens: number;
  useCache: boolean;
  /** Why it runs, for logs and the view. */
  purpose: string;
}

export type ProbeResult = { id: ProbeId; trace: Trace } | { id: ProbeId; error: { code: string; message: string } };
