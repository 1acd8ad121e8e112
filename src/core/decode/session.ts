import type * as ort from 'onnxruntime-node';
import type { LensGraphOptions } from '../lens/graph';
import type { LensSessionInfo } from '../lens/recorder';
import type { CompactOutputs } from '../onnx/compact';

/** One graph output that Decoder Lens added, and what it holds. */
export interface TapBinding {
  output: string;
  tap: 'attention' | 'mask' | 'hidden';
  layer: number;
  kind: 'self' | 'cross';
  /** How a mask tap's values hide keys (masks only). */
  maskKind?: 'additive' | 'keep-where-true' | 'hide-where-true';
}

/** An ORT session over one model file, with the taps its graph was given. */
export interface DecodeSession {
  file: string;
  session: ort.InferenceSession;
  taps: TapBinding[];
  unavailable: { node: string; reason: string }[];
  /** The graph also returns each row's top-k log-probabilities (see lens/summary.ts). */
  summary?: boolean;
  /**
   * Compaction nodes after the attention taps (onnx/compact.ts): the k input to feed, and per tap binding output
   * the compact outputs that replace it. `fetches` then names the outputs to ask ONNX Runtime for (never the
   * full probabilities or the mask taps they make redundant).
   */
  compact?: { kInput: string; taps: Map<string, CompactOutputs> };
  fetches?: string[];
  /** The lens nodes this session's graph was given, or the hidden-state rows a separate lens reads (when asked for and found), or why not. */
  lens?: LensSessionInfo;
}

export interface SessionOptions {
  taps: boolean;
  executionProviders?: string[];
  /** Also append the logit-lens nodes (the lens runs in this graph, every run). */
  lens?: false | LensGraphOptions;
  /**
   * Return every lens layer's hidden state (with or without the other taps), for the standalone lens that a
   * decode runs once over all its steps' rows (lens/recorder.ts); ignored when `lens` is set.
   */
  lensRows?: boolean;
  /** Append the compaction nodes (long contexts: top-k rows and mask bands instead of full probabilities). */
  compact?: boolean;
}

/** Where sessions come from: the worker caches them per file; the CLI and tests may not. */
export interface SessionSource {
  open(file: string, options: SessionOptions): Promise<DecodeSession>;
}

export function hasInput(session: DecodeSession, name: string): boolean {
  return session.session.inputNames.includes(name);
}

export function pastInputs(session: DecodeSession): string[] {
  return session.session.inputNames.filter((n) => n.startsWith('past_key_values.'));
}
