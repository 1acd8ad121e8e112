/** What the mask checks report, and the extra decodes they may ask the host to run. vscode-free, DOM-free. */
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
  | 'positions';

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
