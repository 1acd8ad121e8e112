/** The CLI's JSON form of a Trace: tensors as nested arrays ([head][query][key]), masks as 0/1. */
import { createWriteStream, type WriteStream } from 'node:fs';
import { DecoderLensError } from '../errors';
import { type LensEntry, lensEntries } from '../lens/outputs';
import { hiddenStats } from '../lens/hidden';
import { attentionQueryRow, attentionTopRow } from './attention';
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
  /**
   * `data` [head][query][key]; a sparse capture (long contexts) has `data` empty and `topK`: k, and per head and query row
   * [keys, probabilities, rest mass] — the row's k largest probabilities and the mass of every other key.
   */
  attention: {
    layer: number;
    kind: string;
    heads: number;
    headAveraged: boolean;
    data: number[][][];
    topK?: { k: number; rows: [number[], number[], number][][] };
  }[];
  /** `data` [query][key] 0/1; a banded mask (beside a sparse capture) has `data` empty and `bands`: per query row [first, last, count]. */
  masks: { layer: number; kind: string; data: number[][]; bands?: [number, number, number][] }[];
  hiddenStates: { layer: number; norms: number[]; cosineToPrevious: (number | null)[] }[];
  /** Each layer's top tokens at each lens position: `[{ layer, position, top: [{ id, text, prob }] }]`. */
  lens?: LensEntry[];
  lensUnavailable?: string[];
  dropped: string[];
  unavailable: Trace['unavailable'];
}

export function traceToJson(trace: Trace): TraceJson {
  return jsonShell(
    trace,
    trace.attention.map((a) =>
      a.topK
        ? { ...attentionMeta(a), data: [], topK: { k: a.topK.k, rows: sparseRows(a) } }
        : { ...attentionMeta(a), data: attentionArrays(a) },
    ),
    trace.masks.map((m) =>
      m.bands ? { layer: m.layer, kind: m.kind, data: [], bands: bandRows(m) } : { layer: m.layer, kind: m.kind, data: maskArrays(m) },
    ),
  );
}

/** Everything but the tensors, in the key order of the JSON; the tensors are passed in (built, or placeholders). */
function jsonShell(trace: Trace, attention: TraceJson['attention'], masks: TraceJson['masks']): TraceJson {
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
    attention,
    masks,
    hiddenStates: hiddenJson(trace),
    ...(trace.lens ? { lens: lensEntries(trace.lens), lensUnavailable: trace.lens.unavailable } : {}),
    dropped: trace.dropped,
    unavailable: trace.unavailable,
  };
}

const attentionMeta = (a: AttentionCapture) => ({ layer: a.layer, kind: a.kind, heads: a.heads, headAveraged: a.headAveraged });

/**
 * The same JSON as JSON.stringify(traceToJson(trace)), produced piece by piece — the tensors one query row at a
 * time — so a long trace (gigabytes of text) never exists as one string or one nested array.
 */
export function* traceJsonChunks(trace: Trace): Generator<string> {
  const shell = jsonShell(trace, [], []);
  yield '{';
  let first = true;
  for (const [key, value] of Object.entries(shell)) {
    if (value === undefined) continue;
    yield `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (key === 'attention') yield* attentionChunks(trace.attention);
    else if (key === 'masks') yield* maskChunks(trace.masks);
    else yield JSON.stringify(value);
  }
  yield '}';
}

function* attentionChunks(captures: AttentionCapture[]): Generator<string> {
  yield '[';
  for (const [i, a] of captures.entries()) {
    if (a.topK) {
      yield `${i ? ',' : ''}${JSON.stringify(attentionMeta(a)).slice(0, -1)},"data":[],"topK":{"k":${a.topK.k},"rows":[`;
      for (let h = 0; h < a.heads; h++) {
        yield h ? ',[' : '[';
        for (let q = 0; q < a.queries; q++) yield (q ? ',' : '') + JSON.stringify(sparseRow(a, h, q));
        yield ']';
      }
      yield ']}}';
      continue;
    }
    yield `${i ? ',' : ''}${JSON.stringify(attentionMeta(a)).slice(0, -1)},"data":[`;
    for (let h = 0; h < a.heads; h++) {
      yield h ? ',[' : '[';
      for (let q = 0; q < a.queries; q++) yield (q ? ',' : '') + JSON.stringify(Array.from(attentionQueryRow(a, h, q)));
      yield ']';
    }
    yield ']}';
  }
  yield ']';
}

function* maskChunks(masks: MaskCapture[]): Generator<string> {
  yield '[';
  for (const [i, m] of masks.entries()) {
    if (m.bands) {
      yield `${i ? ',' : ''}${JSON.stringify({ layer: m.layer, kind: m.kind, data: [], bands: bandRows(m) })}`;
      continue;
    }
    yield `${i ? ',' : ''}${JSON.stringify({ layer: m.layer, kind: m.kind }).slice(0, -1)},"data":[`;
    for (let q = 0; q < m.queries; q++) yield (q ? ',' : '') + JSON.stringify(Array.from(m.visible.subarray(q * m.keys, (q + 1) * m.keys)));
    yield ']}';
  }
  yield ']';
}

/** Writes the trace's JSON to `file` through a write stream, in chunks of about 1 MB, waiting when the disk is behind. */
export async function writeTraceJson(trace: Trace, file: string): Promise<void> {
  const stream = createWriteStream(file);
  let failure: Error | undefined;
  stream.on('error', (error) => (failure = error));
  const fail = (error: Error) =>
    new DecoderLensError('bad-input', `Could not write the JSON trace to ${file}: ${error.message}. Choose a writable path.`, file);
  try {
    let pending: string[] = [];
    let size = 0;
    for (const chunk of traceJsonChunks(trace)) {
      pending.push(chunk);
      size += chunk.length;
      if (size < CHUNK_CHARS) continue;
      const more = stream.write(pending.join(''));
      pending = [];
      size = 0;
      if (failure) throw failure;
      if (!more) await drained(stream, () => failure);
    }
    stream.write(pending.join(''));
    await new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      stream.once('error', reject);
      // The callback gets the error when opening or writing failed.
      stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
  } catch (error) {
    stream.destroy();
    throw fail(error as Error);
  }
}

const CHUNK_CHARS = 1 << 20;

function drained(stream: WriteStream, failed: () => Error | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('error', done);
      const error = failed();
      if (error) reject(error);
      else resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
  });
}

/** One capture as nested arrays [head][query][key] (decoded a row at a time). */
export function attentionArrays(a: AttentionCapture): number[][][] {
  const out: number[][][] = [];
  for (let h = 0; h < a.heads; h++) {
    const rows: number[][] = [];
    for (let q = 0; q < a.queries; q++) rows.push(Array.from(attentionQueryRow(a, h, q)));
    out.push(rows);
  }
  return out;
}

function sparseRow(a: AttentionCapture, h: number, q: number): [number[], number[], number] {
  const { keys, values, rest } = attentionTopRow(a, h, q);
  const kept = keys.findIndex((k) => k < 0);
  const n = kept < 0 ? keys.length : kept;
  return [Array.from(keys.subarray(0, n)), Array.from(values.subarray(0, n)), rest];
}

function sparseRows(a: AttentionCapture): [number[], number[], number][][] {
  return Array.from({ length: a.heads }, (_, h) => Array.from({ length: a.queries }, (_, q) => sparseRow(a, h, q)));
}

function bandRows(m: MaskCapture): [number, number, number][] {
  const { first, last, count } = m.bands!;
  return Array.from(first, (f, q) => [f, last[q], count[q]]);
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
