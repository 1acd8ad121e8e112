/** The mask inspector's core: checks over a trace, the probe decodes they ask for, and the run comparison. */
export { checkTrace, checkedViews } from './checks';
export { declaredWindow, layerWindow, windowsAgree, type LayerWindow } from './window';
export { wording, type Wording } from './wording';
export { compareRuns, jsdBits, type KindDivergence, type RunComparison, type StepDelta } from './compare';
export { expectedVisible, layerViews, maxOverHeads, type LayerView } from './expected';
export { impliedOnTrace, observedVisible } from './implied';
export { comparePadding, planPaddingProbes } from './positions';
export { factsFromInputs, planProbes, probeToken, runChecks, type ModelFacts } from './probes';
export * from './types';
export { maskProblem, probeOptions, rerunOptions, type RunOptions } from './rerun';
