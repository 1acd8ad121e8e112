// The logit lens: each layer's hidden state through the model's own final norm and LM head, computed in the
// graph by ONNX Runtime (appended nodes), plus hidden-state statistics.
export { findLensHead } from './head';
export type { LensHead, NormKind } from './head';
export { buildLensGraph } from './graph';
export type { LensGraph, LensGraphOptions, LensOutputs } from './graph';
export { buildLensModel, DEFAULT_LENS } from './model';
export type { LensHeadInfo, LensModel } from './model';
export { decisionLayers, lensEntries, lensFromOutputs, lensTop1, withTokenTexts } from './outputs';
export type { LensCapture, LensEntry, LensTop, TensorLike } from './outputs';
export { LensRecorder } from './recorder';
export type { LensSessionInfo } from './recorder';
export { hiddenStats } from './hidden';
export type { HiddenStats } from './hidden';
