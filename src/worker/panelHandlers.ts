/**
 * The attention panel's heavy data, in the worker: pooling the grid of thumbnails reads every stored probability
 * (billions at T = 4,096 × 384 heads), and decoding a compact head or averaging the heads tens or hundreds of
 * millions, which the extension host's event loop cannot spend. The host sends each trace the panel shows once
 * (a capture per message) and asks by id; the pooling and decoding are the core's, as on the host.
 */
import { DecoderLensError } from '../core/errors';
import { attentionHead, attentionHeadMean } from '../core/trace/attention';
import { layersOfKind, poolAttention, runNow } from '../core/trace/attentionGrid';
import type { AttentionCapture, MaskCapture } from '../core/trace/types';
import type { Handlers } from '../protocol/rpc';
import { PANEL_UNKNOWN_TRACE, type PanelWorkerMethods } from '../protocol/panel';

/** Traces kept: the panel shows one; one more while the next arrives. */
const KEPT = 2;

interface HeldTrace {
  attention: AttentionCapture[];
  masks: Omit<MaskCapture, 'raw'>[];
}

export function panelHandlers(): Handlers<PanelWorkerMethods> {
  const traces = new Map<string, HeldTrace>();
  const held = (traceId: string): HeldTrace => {
    const t = traces.get(traceId);
    if (!t) throw new DecoderLensError('internal', `${PANEL_UNKNOWN_TRACE} (${traceId}).`);
    return t;
  };
  const bad = (message: string): never => {
    throw new DecoderLensError('bad-input', message);
  };
  return {
    panelTrace({ traceId, start, attention, values, mask }) {
      if (start) {
        traces.delete(traceId);
        traces.set(traceId, { attention: [], masks: [] });
        for (const id of [...traces.keys()].slice(0, Math.max(0, traces.size - KEPT))) traces.delete(id);
        return;
      }
      const t = held(traceId);
      if (attention) {
        const { capture, length } = attention;
        const q = capture.topK ? undefined : capture.quantized;
        t.attention.push(
          capture.topK
            ? capture
            : q
              ? { ...capture, data: new Float32Array(0), quantized: { ...q, codes: new Uint8Array(length) } }
              : { ...capture, data: new Float32Array(length) },
        );
      }
      if (values) {
        const a = t.attention[values.index] ?? bad(`No capture ${values.index} was sent.`);
        const stored = a.quantized ? a.quantized.codes : a.data;
        if (stored.constructor !== values.chunk.constructor || values.offset + values.chunk.length > stored.length)
          bad(`Values for capture ${values.index} do not fit it.`);
        stored.set(values.chunk, values.offset);
      }
      if (mask) t.masks.push(mask);
    },
    panelPool({ traceId, kind, size }) {
      const t = held(traceId);
      if (!layersOfKind(t.attention, kind).length) bad(`No ${kind} attention was captured.`);
      return runNow(poolAttention(t.attention, t.masks, kind, size));
    },
    panelHead({ traceId, layer, kind, head }) {
      const a =
        held(traceId).attention.find((c) => c.layer === layer && c.kind === kind) ??
        bad(`No ${kind} attention was captured for layer ${layer}.`);
      if (head === 'mean') return a.heads === 1 ? attentionHeadMean(a).slice() : attentionHeadMean(a);
      if (!a.headAveraged && (!Number.isInteger(head) || head < 0 || head >= a.heads)) bad(`Layer ${layer} has no head ${head}.`);
      return attentionHead(a, a.headAveraged ? 0 : head, true);
    },
  };
}
