/** The CLI's JSON form of a Trace: tensors as nested arrays ([head][query][key]), masks as 0/1. */
import { type LensEntry, lensEntries } from '../lens/outputs';
import { hiddenStats } from '../lens/hidden';
import type { AttentionCapture, MaskCapture, Trace } from './types';

export interface TraceJson {
  model: { path: string; architecture: string; layers: number; heads: number; kvCache: boolean; files: string[] };
  input: {
    text: string;
    tokens: { id: number; text: string; start: number | null; end: number | null; special: boolean; prob: number | null }[];
  };
  positions: { id: number; text: string }[];
  generated: Trace['generated'];
  generatedText: string;
  stopReason: Trace['stopReason'];
  attention: { layer: number; kind: string; heads: number; headAveraged: boolean; data: number[][][] }[];
  masks: { layer: number; kind: string; data: number[][] }[];
  hiddenStates: { layer: number; norms: number[]; cosineToPrevious: (number | null)[] }[];
  /** Each layer's top tokens at each lens position: `[{ layer, position, top: [{ id, text, prob }] }]`. */
  lens?: LensEntry[];
  lensUnavailable?: string[];
  dropped: string[];
  unavailable: Trace['unavailable'];
}

export function traceToJson(trace: Trace): TraceJson {
  return {
    model: { ...trace.model },
    input: {
      text: trace.input.text,
      tokens: trace.input.tokens.map((t, i) => ({
        id: t.id,
        text: t.text,
        start: t.start,
        end: t.end,
        special: t.special,
        prob: finiteOrNull(trace.inputProbs[i]),
      })),
    },
    positions: trace.positions.map((t) => ({ id: t.id, text: t.text })),
    generated: trace.generated,
    generatedText: trace.generatedText,
    stopReason: trace.stopReason,
    attention: trace.attention.map((a) => ({
      layer: a.layer,
      kind: a.kind,
      heads: a.heads,
      headAveraged: a.headAveraged,
      data: attentionArrays(a),
    })),
    masks: trace.masks.map((m) => ({ layer: m.layer, kind: m.kind, data: maskArrays(m) })),
    hiddenStates: hiddenJson(trace),
    ...(trace.lens ? { lens: lensEntries(trace.lens), lensUnavailable: trace.lens.unavailable } : {}),
    dropped: trace.dropped,
    unavailable: trace.unavailable,
  };
}

export function attentionArrays(a: AttentionCapture): number[][][] {
  const out: number[][][] = [];
  for (let h = 0; h < a.heads; h++) {
    const rows: number[][] = [];
    for (let q = 0; q < a.queries; q++)
      rows.push(Array.from(a.data.subarray((h * a.queries + q) * a.keys, (h * a.queries + q + 1) * a.keys)));
    out.push(rows);
  }
  return out;
}

function maskArrays(m: MaskCapture): number[][] {
  const rows: number[][] = [];
  for (let q = 0; q < m.queries; q++) rows.push(Array.from(m.visible.subarray(q * m.keys, (q + 1) * m.keys)));
  return rows;
}

/** Norms per position, and (with hidden vectors) the cosine to the previous layer's vector at each position. */
function hiddenJson(trace: Trace): TraceJson['hiddenStates'] {
  const stats = hiddenStats(trace.hidden);
  return trace.hidden.map((h) => {
    const l = stats.layers.indexOf(h.layer);
    return {
      layer: h.layer,
      norms: Array.from(h.norms),
      cosineToPrevious: Array.from(stats.cosine.subarray(l * stats.positions, (l + 1) * stats.positions), finiteOrNull),
    };
  });
}

const finiteOrNull = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);
