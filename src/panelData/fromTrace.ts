/**
 * A Trace as the panel's data service holds it: the small parts as meta, the tensors by reference (no copy).
 * vscode-free, so the report writer can use it outside the extension too.
 */
import type { TopToken, Trace, TraceModel, TraceToken } from '../core/trace/types';
import type { ViewModel, ViewToken } from '../protocol/trace';
import { hiddenView, lensView } from './lens';
import type { PanelData } from './serve';
import { lastSegment } from './pathName';

/** A trace token as the views show it: no character offsets. */
export const viewToken = (t: TraceToken): ViewToken => ({
  id: t.id,
  text: t.text,
  special: t.special,
  ...(t.partial ? { partial: true } : {}),
});
/** A chosen token without its top-k. */
export const topToken = (g: TopToken): TopToken => ({ id: g.id, text: g.text, prob: g.prob });

export function viewModel(model: TraceModel): ViewModel {
  const { path, architecture, layers, heads, kvCache, variant } = model;
  const files = model.files.map((f) => lastSegment(f));
  return { path, name: lastSegment(path), architecture, layers, heads, kvCache, files, ...(variant ? { variant } : {}) };
}

export function toPanelData(trace: Trace, traceId: string): PanelData {
  const masked = new Set(trace.masks.map((m) => `${m.kind}:${m.layer}`));
  return {
    meta: {
      traceId,
      createdAt: trace.createdAt,
      model: viewModel(trace.model),
      inputText: trace.input.text,
      inputTokens: trace.input.tokens.map(viewToken),
      inputProbs: trace.inputProbs,
      positions: trace.positions.map(viewToken),
      generated: trace.generated.map(topToken),
      stopReason: trace.stopReason,
      // Meta goes to the webview whole: no tensors, neither float32 data nor compact codes.
      captures: trace.attention.map(({ data: _data, quantized: _quantized, topK: _topK, ...info }) => ({
        ...info,
        masked: masked.has(`${info.kind}:${info.layer}`),
      })),
      dropped: trace.dropped,
      unavailable: trace.unavailable,
    },
    top: trace.generated.map((g) => g.top),
    attention: trace.attention,
    masks: trace.masks.map(({ raw: _raw, ...m }) => m),
    ...(trace.lens ? { lens: lensView(trace.lens) } : {}),
    ...(trace.hidden?.length ? { hidden: hiddenView(trace.hidden) } : {}),
  };
}
