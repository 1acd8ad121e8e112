/**
 * The layer bisector's report and the comparison's two models read back from JSON (the compare view's saved
 * state, a standalone report's page): checked field by field, so a damaged state draws nothing rather than
 * throwing in the view.
 */
import { finiteOrNull, int, isObj, list, str, type Obj } from './jsonFields';
import type { BisectLayer, BisectReport, CompareModels } from '../protocol/compare';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const nums = (v: unknown) => list(v, num);
const listOrNull = (v: unknown): number[] | null | undefined => (v === null ? null : nums(v));

function token(v: unknown): { id: number; text: string } | undefined {
  if (!isObj(v)) return undefined;
  const id = int(v.id);
  const text = str(v.text);
  return id === undefined || text === undefined ? undefined : { id, text };
}

function file(v: unknown): { path: string; file: string } | undefined {
  if (!isObj(v)) return undefined;
  const path = str(v.path);
  const f = str(v.file);
  return path === undefined || f === undefined ? undefined : { path, file: f };
}

function layer(v: unknown): BisectLayer | undefined {
  if (!isObj(v)) return undefined;
  const out = {
    layer: int(v.layer),
    residualError: finiteOrNull(v.residualError),
    attentionJsd: finiteOrNull(v.attentionJsd),
    lensA: listOrNull(v.lensA),
    lensB: listOrNull(v.lensB),
    lensDelta: finiteOrNull(v.lensDelta),
    splicedProbs: nums(v.splicedProbs),
    splicedArgmax: list(v.splicedArgmax, int),
    restores: typeof v.restores === 'boolean' ? v.restores : undefined,
    matchesEverywhere: typeof v.matchesEverywhere === 'boolean' ? v.matchesEverywhere : undefined,
  };
  return Object.values(out).some((x) => x === undefined) ? undefined : (out as BisectLayer);
}

function divergence(v: unknown): BisectReport['divergence'] | undefined {
  if (v === null) return null;
  if (!isObj(v)) return undefined;
  const out = { step: int(v.step), token: token(v.token), probA: num(v.probA), probB: num(v.probB), argmaxB: token(v.argmaxB) };
  return Object.values(out).some((x) => x === undefined) ? undefined : (out as NonNullable<BisectReport['divergence']>);
}

/** A bisector report read from JSON, or undefined when it is not one. */
export function reviveBisectReport(v: unknown): BisectReport | undefined {
  if (!isObj(v)) return undefined;
  const out = {
    a: file(v.a),
    b: file(v.b),
    tolerance: num(v.tolerance),
    fed: list(v.fed, int),
    tokens: list(v.tokens, token),
    probsA: nums(v.probsA),
    probsB: nums(v.probsB),
    argmaxB: list(v.argmaxB, int),
    divergence: divergence(v.divergence),
    layers: list(v.layers, layer),
    lensUnavailable: v.lensUnavailable === null ? null : str(v.lensUnavailable),
    restoredAfter: v.restoredAfter === null ? null : int(v.restoredAfter),
    verdict: str(v.verdict),
  };
  return Object.values(out).some((x) => x === undefined) ? undefined : (out as BisectReport);
}

/** The comparison's two models read from JSON, or undefined. */
export function reviveCompareModels(v: unknown): CompareModels | undefined {
  if (!isObj(v) || !isObj(v.a) || !isObj(v.b)) return undefined;
  const side = (s: Obj) => {
    const path = str(s.path);
    const variant = str(s.variant);
    return path === undefined || variant === undefined ? undefined : { path, variant };
  };
  const a = side(v.a);
  const b = side(v.b);
  const text = str(v.text);
  const maxNewTokens = int(v.maxNewTokens);
  return a && b && text !== undefined && maxNewTokens !== undefined && maxNewTokens >= 1 ? { a, b, text, maxNewTokens } : undefined;
}
