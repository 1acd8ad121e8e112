// The logit lens: each layer's hidden state through the model's own final norm and LM head, computed by ONNX
// Runtime — after a decode, as a standalone model over every step's rows (standalone.ts, recorder.ts), or as nodes
// appended to the model's graph (graph.ts, model.ts) — plus hidden-state statistics.
export { findLensHead } from './head';
export type { LensHead, NormKind } from './head';
export { buildLensGraph } from './graph';
export type { LensGraph, LensGraphOptions, LensOutputs } from './graph';
export { buildLensModel, DEFAULT_LENS } from './model';
export type { LensHeadInfo, LensModel } from './model';
export { decisionLayers, lensEntries, lensFromOutputs, lensTop1, withTokenTexts } from './outputs';
export type { LensCapture, LensEntry, LensTop, TensorLike } from './outputs';
export { LensRecorder } from './recorder';
export type { LensRows, LensRunner, LensSessionInfo } from './recorder';
export { buildStandaloneLens, STANDALONE_LENS } from './standalone';
export { hiddenStats } from './hidden';
export type { HiddenStats } from './hidden';
