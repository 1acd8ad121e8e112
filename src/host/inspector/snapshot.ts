/**
 * Traces, findings and comparisons as the Masks view receives them: small parts as JSON, grids and
 * divergences as typed arrays. vscode-free (unit-tested directly). The grids come pooled from the worker
 * (core/masks/grids): nothing here reads a whole layer.
 */
import type { Finding, RunComparison } from '../../core/masks';
import type { PooledGrid } from '../../core/masks/grids';
import type { Trace } from '../../core/trace/types';
import { probToByte } from '../../panelData/colorScale';
import { topToken, viewToken } from '../../panelData/fromTrace';
import type { InspectorComparison, InspectorFinding, InspectorGrid, InspectorRun, InspectorRunRole } from '../../protocol/inspector';
import { ATTENTION_KINDS } from '../../protocol/trace';
import { english, type Localize } from '../localize';

export function toRun(
  trace: Trace,
  runId: string,
  role: InspectorRunRole,
  label: string,
  /** Pooled in the worker and encoded by toGrid. */
  grids: InspectorGrid[],
): InspectorRun {
  return {
    runId,
    role,
    label,
    inputTokens: trace.input.tokens.map(viewToken),
    positions: trace.positions.map(viewToken),
    inputMask: Uint8Array.from(trace.input.attentionMask),
    generated: trace.generated.map(topToken),
    generatedText: trace.generatedText,
    grids,
    notes: [...trace.dropped, ...trace.unavailable.map((u) => `${u.node}: ${u.reason}`)],
  };
}

/** A grid the worker pooled, its weights as the view's bytes (a pass over the cells sent, never the whole layer). */
export function toGrid(grid: PooledGrid): InspectorGrid {
  const bytes = new Uint8Array(grid.weight.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = probToByte(grid.weight[i]);
  return { ...grid, weight: bytes };
}

export function toFinding(f: Finding, runId: string): InspectorFinding {
  const cells = new Int32Array(f.cells.length * 4);
  f.cells.forEach((c, i) => cells.set([c.layer, ATTENTION_KINDS.indexOf(c.kind), c.query, c.key], i * 4));
  return { check: f.check, severity: f.severity, message: f.message, runId, cells, cellCount: f.cellCount };
}

export function toComparison(c: RunComparison, baseRunId: string, otherRunId: string): InspectorComparison {
  return {
    baseRunId,
    otherRunId,
    steps: c.steps,
    firstChanged: c.firstChanged,
    divergence: c.divergence,
  };
}

/** What a rerun hid: "token 3 “ red” hidden" / "2 tokens hidden" / "all tokens shown". */
export function hiddenLabel(trace: Trace, t: Localize = english): string {
  const hidden = trace.input.attentionMask.flatMap((v, i) => (v ? [] : [i]));
  if (hidden.length === 0) return t('all tokens shown');
  if (hidden.length === 1) return t('token {0} “{1}” hidden', hidden[0], trace.input.tokens[hidden[0]]?.text ?? '');
  return t('{0} tokens hidden', hidden.length);
}

/** "Rerun: token 3 “ red” hidden" / "Rerun: 2 tokens hidden" / "Rerun: all tokens shown". */
export function rerunLabel(trace: Trace, t: Localize = english): string {
  return t('Rerun: {0}', hiddenLabel(trace, t));
}
