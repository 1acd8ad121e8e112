/**
 * Host ⇄ "Decoder Lens: Compare" webview (model A vs model B over the same input). The report is small (a few
 * numbers per step and per head), so it crosses whole, as plain JSON, and the webview keeps it with setState.
 * These types mirror the core's CompareReport (webviews may not import the core); the host assigns the core's
 * report to them, so the compiler catches any drift.
 */
import type { Method } from './rpc';

export type CompareKind = 'self' | 'cross' | 'encoder';
export const COMPARE_KINDS: readonly CompareKind[] = ['self', 'cross', 'encoder'];

export interface CompareToken {
  id: number;
  /** Untrusted: rendered as text only. */
  text: string;
  prob: number;
}

export interface CompareStep {
  step: number;
  /** Both runs were fed the same tokens up to this step (steps up to and including the first differing one). */
  sameContext: boolean;
  a: CompareToken;
  b: CompareToken;
  /** B's probability of A's token; null when unknown (not among B's top tokens, or the contexts differ). */
  bOfA: number | null;
  /** bOfA − A's probability; null when bOfA is. */
  delta: number | null;
  topOverlap: number;
}

export interface CompareHeads {
  layer: number;
  kind: CompareKind;
  /** Mean Jensen-Shannon divergence in bits over the compared query rows, per head; NaN when no row could be compared. */
  heads: number[];
  /** The largest single-row JSD per head. */
  maxRow: number[];
  mean: number;
  /** Query rows compared. */
  rows: number;
}

export interface CompareVocabulary {
  same: boolean;
  sizeA: number;
  sizeB: number;
  moved: number;
  onlyA: number;
  onlyB: number;
  /** Untrusted (token text). */
  examples: string[];
  note: string;
}

export interface CompareLens {
  layers: number[];
  positions: number[];
  /** Per layer, mean |p_B − p_A| of the token that came next; NaN when no position could be compared. */
  meanAbsDelta: number[];
}

export interface CompareSideSummary {
  /** Untrusted (a path chosen by the person). */
  label: string;
  model: string;
  /** Untrusted (model output). */
  generatedText: string;
  steps: number;
}

/** The comparison as the view shows it (the core's CompareReport, field for field). */
export interface CompareViewReport {
  format: 'decoder-lens-compare';
  version: 1;
  a: CompareSideSummary;
  b: CompareSideSummary;
  vocabulary: CompareVocabulary | null;
  commonPositions: number;
  sameInput: boolean;
  firstDifferingStep: number | null;
  steps: CompareStep[];
  attention: CompareHeads[];
  lens: CompareLens | null;
  notes: string[];
  summary: string;
}

export type CompareSide = 'a' | 'b';

/** What the view shows: the report, and which stored traces the two sides are (for "show in the panel"). */
export interface CompareOpenResult {
  /** Changes with every comparison. */
  compareId: string;
  report: CompareViewReport;
  /** Stored trace ids of A and B (null when a side's trace could not be stored). */
  traces: { a: string | null; b: string | null };
}

/** Where the attention panel should look when a side is shown from the compare view. */
export interface CompareFocus {
  layer?: number;
  head?: number | 'mean';
  kind?: CompareKind;
}

/** Served by the host, asked by the view. */
export type CompareHostMethods = {
  /** The comparison to show (null when the host has none: the view then shows what it saved, if anything). */
  open: Method<{ compareId?: string }, CompareOpenResult | null>;
  /** Shows side A's or B's trace in the attention panel, focused on a layer/head; says why when it cannot. */
  openTrace: Method<{ compareId: string; side: CompareSide } & CompareFocus, { shown: boolean; message?: string }>;
  /** Opens the readable text report beside the view (the standalone report downloads it). */
  openText: Method<{ compareId: string }, void>;
  /** Asks where to save and writes the comparison as a standalone HTML page; null when cancelled. Absent in that page. */
  exportHtml: Method<{ compareId: string }, { saved: string | null }>;
};

/** What a standalone compare report embeds (JSON, base64): the comparison and its readable text. */
export interface CompareReportPage {
  open: CompareOpenResult;
  text: string;
}

/** Served by the view, asked by the host. */
export type CompareViewMethods = Record<string, never>;

/** What the view last drew, for commands and tests. */
export interface CompareRendered {
  compareId: string;
  summary: string;
  firstDifferingStep: number | null;
  /** The kinds with a heatmap, and the largest mean JSD drawn over all of them (0 when none). */
  kinds: CompareKind[];
  maxJsd: number;
  /** Cells drawn in the heatmaps (layer × head over all kinds). */
  cells: number;
}

/** Emitted by the view. */
export type CompareViewEvents = {
  rendered: CompareRendered;
};

/** Emitted by the host. */
export type CompareHostEvents = {
  /** A new comparison while the view is live. */
  show: CompareOpenResult;
};
