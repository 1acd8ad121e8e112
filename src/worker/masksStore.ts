/**
 * The Masks view's computation, in the worker: the host sends each trace the view shows once (layer by layer),
 * then asks for pooled grids and the mask checks by id. At T = 4,096 one layer's grid or checks take about a
 * second, which the extension host's event loop cannot spend.
 *
 * Why the trace is sent rather than kept from the decode that made it: the worker transfers a decode's arrays
 * to the host (it keeps no copy), traces also come from saved files and comparisons, and copying one capture at
 * a time costs the host milliseconds per message, between which its event loop runs (host/inspector/workerCompute.ts).
 */
import { DecoderLensError } from '../core/errors';
import { layerGrid, layerGrids, type GridCache, type PooledGrid } from '../core/masks/grids';
import { checkTrace } from '../core/masks/checks';
import { runChecks } from '../core/masks/probes';
import { compareRuns, type RunComparison } from '../core/masks/compare';
import type { Finding, ProbeResult } from '../core/masks/types';
import type { Trace } from '../core/trace/types';
import {
  MASKS_UNKNOWN_TRACE,
  type MasksCheckRequest,
  type MasksGridRequest,
  type MasksGridsRequest,
  type MasksTracePart,
} from '../protocol/inspector';

/** Traces kept: the view shows at most an original, its probe and a rerun; one more while a new decode arrives. */
const KEPT = 4;

export class MasksStore {
  private readonly traces = new Map<string, Trace>();
  private readonly cache: GridCache = {};

  /** A trace's parts: first its shell (no attention or masks), then each capture. */
  receive(part: MasksTracePart): void {
    if (part.shell) {
      this.traces.delete(part.traceId);
      this.traces.set(part.traceId, { ...part.shell, attention: [], masks: [] });
      for (const id of [...this.traces.keys()].slice(0, Math.max(0, this.traces.size - KEPT))) this.traces.delete(id);
      return;
    }
    const trace = this.trace(part.traceId);
    if (part.attention) trace.attention.push(part.attention);
    if (part.mask) trace.masks.push(part.mask);
  }

  forget(traceIds: string[]): void {
    for (const id of traceIds) this.traces.delete(id);
    if (this.cache.last && !this.has(this.cache.last.trace)) this.cache.last = undefined;
  }

  grids({ traceId, taps, side }: MasksGridsRequest): PooledGrid[] {
    return layerGrids(this.trace(traceId), taps, side);
  }

  grid({ traceId, taps, request }: MasksGridRequest): PooledGrid | null {
    const trace = this.trace(traceId);
    // The cache compares taps by identity: the same facts arrive as a new array with each message.
    const last = this.cache.last;
    const sameTaps = last && last.trace === trace && JSON.stringify(last.taps) === JSON.stringify(taps) ? last.taps : taps;
    return layerGrid(trace, request, sameTaps, this.cache);
  }

  check({ traceId, context, probes }: MasksCheckRequest): { findings: Finding[]; notes: string[] } {
    const trace = this.trace(traceId);
    if (!probes) return { findings: checkTrace(trace, 'trace', context), notes: [] };
    const notes: string[] = [];
    const results: ProbeResult[] = probes.map((p) => ('traceId' in p ? { id: p.id, trace: this.trace(p.traceId) } : p));
    return { findings: runChecks(trace, results, (why) => notes.push(why), context), notes };
  }

  compare(baseTraceId: string, otherTraceId: string): RunComparison {
    return compareRuns(this.trace(baseTraceId), this.trace(otherTraceId));
  }

  private has(trace: Trace): boolean {
    return [...this.traces.values()].includes(trace);
  }

  private trace(traceId: string): Trace {
    const trace = this.traces.get(traceId);
    if (!trace) throw new DecoderLensError('internal', `${MASKS_UNKNOWN_TRACE} (${traceId}).`);
    // Most recently used last, so the oldest is dropped first.
    this.traces.delete(traceId);
    this.traces.set(traceId, trace);
    return trace;
  }
}
