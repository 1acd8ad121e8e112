// The ONNX graph core: read a model's structure lazily, find what to tap, and expose it as graph outputs.
// It does not know how a model is run.
export { readModel, readModelBytes } from './reader';
export type { ReadStats } from './reader';
export { findTaps, roleOf } from './taps';
export type { AttentionSite, AttentionTap, HiddenStateTap, ModelRole, TapReport, TapSite } from './taps';
export { buildTappedModel } from './surgery';
export type { BuildOptions, TapFilter, TapOutput, TapSelection, TappedModel } from './surgery';
export type { WeightPlacement } from './referenced';
export { booleanMaskVisibility, maskVisibility } from './mask';
export type { MaskOrigin } from './mask';
export type { MaskRef, NodeEdit } from './attention';
export type { MaskKind } from './scorePath';
export type { BranchStep } from './graphView';
export type { Unavailable } from './fused';
export { describeImpliedMask, impliedVisibility } from './recompute/implied';
export type { ImpliedMaskInputs } from './recompute/implied';
export { LIMITS } from './walk';
export type {
  AttributeValue,
  ByteRange,
  ElemType,
  ExternalDataRef,
  GraphInfo,
  ImpliedMask,
  InitializerInfo,
  ModelInfo,
  NodeInfo,
  OpsetInfo,
  TensorInfo,
  ValueInfo,
} from './types';
