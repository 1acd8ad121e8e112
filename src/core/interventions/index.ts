// Interventions in the shipped graph: head gates and residual patches as model inputs (identity by default),
// head ablation and head ranking built on them.
export { headGateName, headMeanName, patchMaskName, patchValueName, planHooks } from './hooks';
export type { HeadHook, HookKind, HookPlan, PatchHook } from './hooks';
export { HookedSessions } from './sessions';
export type { HookFeeds, HookedSession, HookedSessionOptions } from './sessions';
export { ablate, ablationFeeds, ablationSessions } from './ablate';
export type { AblateOptions, AblationMode, HeadRef } from './ablate';
export { forward, fullPassFile } from './forward';
export type { ForwardInput, ForwardResult } from './forward';
export { rankHeads, rankSessions } from './rank';
export type { HeadImportance, HeadRanking, RankHeadsOptions } from './rank';
export { patchSessions, patchSweep } from './patch';
export type { PatchOptions, PatchSweep } from './patch';
export { occlude, occludeSessions } from './occlude';
export type { OccludedToken, Occlusion, OccludeOptions } from './occlude';
export { bisect, bisectSessions } from './bisect';
export type { BisectLayer, BisectOptions, BisectReport } from './bisect';
