/**
 * Host ⇄ "Decoder Lens: Compare" webview (model A vs model B over the same input). The report is small (a few
 * numbers per step and per head), so it crosses whole, as plain JSON, and the webview keeps it with setState.
 * The report is the core's CompareReport itself (its types, re-exported here for the view).
 */
import type { CompareReport, CompareSideSummary, LensDelta, StepDelta, VocabComparison } from '../core/compare/report';
import type { HeadDivergence } from '../core/compare/divergence';
import type { BisectLayer, BisectReport } from '../core/interventions/bisectReport';
import type { AttentionKind } from './trace';

export type { BisectLayer, BisectReport, CompareReport, CompareSideSummary, HeadDivergence, LensDelta, StepDelta, VocabComparison };
import type { Method } from './rpc';

export type CompareSide = 'a' | 'b';

/** What the view shows: the report, and which stored traces the two sides are (for "show in the panel"). */
export interface CompareOpenResult {
  /** Changes with every comparison. */
  compareId: string;
  report: CompareReport;
  /** Stored trace ids of A and B (null when a side's trace could not be stored). */
  traces: { a: string | null; b: string | null };
  /** Both sides ran from a model (not a saved trace, not an ablation): what the layer bisector reruns. */
  models?: CompareModels;
  /** The layer bisector's report on these two models, once it ran. */
  bisect?: BisectReport;
}

/** The two models a comparison ran and its input: enough to bisect them layer by layer. */
export interface CompareModels {
  a: { path: string; variant: string };
  b: { path: string; variant: string };
  text: string;
  /** How many of A's greedy tokens the bisector feeds both (the comparison's own max new tokens). */
  maxNewTokens: number;
}

/** Where the attention panel should look when a side is shown from the compare view. */
export interface CompareFocus {
  layer?: number;
  head?: number | 'mean';
  kind?: AttentionKind;
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
  /**
   * Runs the layer bisector on the two models (in the worker, with a cancellable progress notification); the
   * host then shows the comparison again with its report. `ran` false says why (cancelled: no message).
   */
  bisect: Method<{ compareId: string }, { ran: boolean; message?: string }>;
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
  kinds: AttentionKind[];
  maxJsd: number;
  /** Cells drawn in the heatmaps (layer × head over all kinds). */
  cells: number;
  /** The bisect section: whether it offers to run, and what it drew once it ran. */
  bisect: {
    offered: boolean;
    verdict: string | null;
    restoredAfter: number | null;
    /** Layers in its chart and table. */
    layers: number;
  };
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
