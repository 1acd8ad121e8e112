/** Host ⇄ worker: the worker owns every ONNX Runtime session; the host only asks. */
import type { CompareReport } from '../core/compare/report';
import type { ModelCheckFacts } from '../core/masks/context';
import type { DecodeOptions } from '../core/decode/options';
import type { BisectReport } from '../core/interventions/bisectReport';
import type { Occlusion } from '../core/interventions/occlude';
import type { PatchSweep } from '../core/interventions/patch';
import type { HeadRanking } from '../core/interventions/rank';
import type { Trace, TraceAblation } from '../core/trace/types';
import type { Method } from './rpc';
import type { MasksWorkerMethods } from './inspector';
import type { ModelSummary } from './model';

export interface DecodeRequest extends Partial<Omit<DecodeOptions, 'text'>> {
  modelPath: string;
  /** Which files of the model folder ('fp32', 'q4', … or a file name; '' or absent = the default). */
  modelVariant?: string;
  text: string;
}

/** "Compare With…": the same input through model A and a second model (or against a saved trace). */
export interface CompareRequest extends DecodeRequest {
  /** A second model, or a saved .dltrace (read in the worker: traces run to tens of MB). */
  other: { modelPath: string; modelVariant?: string } | { tracePath: string };
}

export interface CompareResult {
  a: Trace;
  b: Trace;
  report: CompareReport;
}

type AblatedHead = TraceAblation['heads'][number];

/** "Ablate Heads and Rerun": the same input unablated (A) and with these heads ablated (B), compared. */
export interface AblateRequest extends DecodeRequest {
  /** Layers and heads counted from 0; kind defaults to 'self'. */
  heads: (Omit<AblatedHead, 'kind'> & Partial<Pick<AblatedHead, 'kind'>>)[];
  mode: TraceAblation['mode'];
}

/** "Why This Token?": hide each input token in turn and measure the chosen token's probability at a step. */
export interface OccludeRequest {
  modelPath: string;
  /** The variant that ran the trace being explained ('' or absent = the default). */
  modelVariant?: string;
  text: string;
  /** The generation step explained, from 0 (the first generated token). */
  step?: number;
}

/** "Patch Activations…": the clean input's residual stream patched into the corrupted input's run, cell by cell. */
export interface PatchRequest {
  modelPath: string;
  modelVariant?: string;
  cleanText: string;
  corruptText: string;
}

/** The sweep, with the two inputs' token texts (the ids' text in the model's vocabulary). */
export interface PatchResult extends PatchSweep {
  cleanTokens: string[];
  corruptTokens: string[];
}

/** The layer bisector: A and B (two variants of one model) layer by layer on A's greedy tokens. */
export interface BisectRequest {
  modelPath: string;
  modelVariant?: string;
  modelPathB: string;
  modelVariantB?: string;
  text: string;
  maxNewTokens?: number;
}

export interface DecodeProgress {
  step: number;
  total: number;
}

/** "Prepare": the decode options a later Decode Selection will use (its text aside). */
export type PrepareRequest = Omit<DecodeRequest, 'text'>;

export type WorkerMethods = {
  /**
   * Surgery and session creation for a selected model ahead of the first decode (the sessions a decode with these
   * options opens, cached in the worker); cancellable, and queued like a decode. Resolves with the files prepared.
   */
  prepare: Method<PrepareRequest, { files: string[] }>;
  /** Loads every ONNX file of a model (sessions are cached per file) and lists their inputs and outputs. */
  inspectModel: Method<{ modelPath: string; modelVariant?: string }, ModelSummary>;
  /**
   * What the mask checks need from the graphs (each file's inputs and attention op types, each layer's taps and
   * how they were inferred, the sliding window config.json declares): read in the worker, where models are opened.
   */
  checkFacts: Method<{ modelPath: string; modelVariant?: string }, ModelCheckFacts>;
  /** Decodes step by step, reporting each step; cancellable between steps. */
  decode: Method<DecodeRequest, Trace, DecodeProgress>;
  /** Decodes with A (and B), both with the logit lens, and compares; progress counts A's steps then B's. */
  compare: Method<CompareRequest, CompareResult, DecodeProgress>;
  /** Decodes unablated (A) and with heads ablated (B, its trace records the ablation) and compares. */
  ablate: Method<AblateRequest, CompareResult, DecodeProgress>;
  /** Occlusion: Δp of the step's chosen token per hidden input token. */
  occlude: Method<OccludeRequest, Occlusion>;
  /** Head importance: each decoder head zeroed in turn, the drop in the step's chosen token's probability. */
  rankHeads: Method<OccludeRequest, HeadRanking>;
  /** Activation patching: p of the clean next token per (layer, position) patched; progress counts cells. */
  patch: Method<PatchRequest, PatchResult, DecodeProgress>;
  /** The layer bisector: where B departs from A, and which of A's residuals spliced into B restores it; progress counts A's decode steps, then layers. */
  bisect: Method<BisectRequest, BisectReport, DecodeProgress>;
} & MasksWorkerMethods;

export type WorkerEvents = Record<string, never>;
