/** The comparison of two traces as data: what compareTraces returns, summarize reads and the compare view shows. */
import type { TopToken } from '../trace/types';
import type { HeadDivergence } from './divergence';

export interface StepDelta {
  /** The step's index (0 = the first generated token); text shown to people counts from 1, like the panel. */
  step: number;
  /** True while both runs were fed the same tokens (steps up to and including the first differing one). */
  sameContext: boolean;
  a: TopToken;
  b: TopToken;
  /** B's probability of A's token (from B's top tokens; null when it is not among them), and minus A's. */
  bOfA: number | null;
  delta: number | null;
  /** How many of A's top tokens are also B's top tokens. */
  topOverlap: number;
}

export interface LensDelta {
  layers: number[];
  positions: number[];
  /** Per layer, the mean |p_B − p_A| of the token that came next, over the shared positions. */
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

export interface CompareReport {
  format: 'decoder-lens-compare';
  version: 1;
  a: CompareSideSummary;
  b: CompareSideSummary;
  vocabulary: VocabComparison | null;
  /** Positions (input tokens, then generated tokens fed back) identical in both runs. */
  commonPositions: number;
  sameInput: boolean;
  /** Index of the first step whose chosen tokens differ (0-based, as `steps[].step`); null when the generations agree over the steps both made. */
  firstDifferingStep: number | null;
  steps: StepDelta[];
  attention: HeadDivergence[];
  lens: LensDelta | null;
  notes: string[];
  summary: string;
}

export interface VocabComparison {
  same: boolean;
  sizeA: number;
  sizeB: number;
  /** Tokens both have, under different ids. */
  moved: number;
  onlyA: number;
  onlyB: number;
  /** A few of the differences, for people. */
  examples: string[];
  note: string;
}
