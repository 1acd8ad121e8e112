// Comparing two runs of the same input: model A vs model B (base vs fine-tuned), or a saved trace.
export { compareTraces } from './compare';
export type { CompareSide } from './compare';
export type { CompareReport, CompareSideSummary, LensDelta, StepDelta } from './report';
export { attentionDivergence, jsd } from './divergence';
export type { HeadDivergence } from './divergence';
export { formatReport, summarize } from './summary';
export { compareTokenizerFiles, compareVocabs, readVocab } from './vocab';
export type { VocabComparison } from './vocab';
