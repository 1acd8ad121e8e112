/**
 * A Trace as the panel's data service holds it: the small parts as meta, the tensors by reference (no copy).
 * vscode-free, so the report writer can use it outside the extension too.
 */
import type { Trace, TraceToken } from '../core/trace/types';
import type { PanelToken } from '../protocol/panel';
import { hiddenView, lensView } from './lens';
import type { PanelData } from './serve';
import { lastSegment } from './pathName';

export function toPanelData(trace: Trace, traceId: string): PanelData {
  const token = (t: TraceToken): PanelToken => ({ id: t.id, text: t.text, special: t.special, ...(t.partial ? { partial: true } : {}) });
  const masked = new Set(trace.masks.map((m) => `${m.kind}:${m.layer}`));
  return {
    meta: {
      traceId,
      createdAt: trace.createdAt,
      model: {
        path: trace.model.path,
        name: lastSegment(trace.model.path),
        architecture: trace.model.architecture,
        layers: trace.model.layers,
        heads: trace.model.heads,
        kvCache: trace.model.kvCache,
      },
      inputText: trace.input.text,
      inputTokens: trace.input.tokens.map(token),
      inputProbs: trace.inputProbs,
      positions: trace.positions.map(token),
      generated: trace.generated.map((g) => ({ id: g.id, text: g.text, prob: g.prob })),
      stopReason: trace.stopReason,
      captures: trace.attention.map((a) => ({
        layer: a.layer,
        kind: a.kind,
        heads: a.heads,
        headAveraged: a.headAveraged,
        queries: a.queries,
        keys: a.keys,
        masked: masked.has(`${a.kind}:${a.layer}`),
      })),
      dropped: trace.dropped,
      unavailable: trace.unavailable,
    },
    top: trace.generated.map((g) => g.top),
    attention: trace.attention.map((a) => ({
      layer: a.layer,
      kind: a.kind,
      heads: a.heads,
      headAveraged: a.headAveraged,
      queries: a.queries,
      keys: a.keys,
      data: a.data,
    })),
    masks: trace.masks.map((m) => ({ layer: m.layer, kind: m.kind, queries: m.queries, keys: m.keys, visible: m.visible })),
    ...(trace.lens ? { lens: lensView(trace.lens) } : {}),
    ...(trace.hidden?.length ? { hidden: hiddenView(trace.hidden) } : {}),
  };
}
