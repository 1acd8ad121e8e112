// Collects what the lens needs from every step of one decode — each lens layer's hidden-state row at the positions
// it reads, and the token fed at each position — and runs the lens once over all of them at the end (a
// standalone lens model, standalone.ts): the LM head is read once per batch of rows, not once per step. A step's
// rows are placed by the feeds (positions total − rows … total − 1), so KV-cache and full-recompute runs record
// the same positions; rows already recorded (recompute repeats them) are skipped.
import * as ort from 'onnxruntime-node';
import { checkpoint } from '../errors';
import type { ElemType } from '../onnx/types';
import type { LensGraph, LensGraphOptions } from './graph';
import type { LensHeadInfo } from './model';
import { type LensCapture, type TensorLike, numbersOf } from './outputs';
import { STANDALONE_LENS } from './standalone';

/** The standalone lens, opened for one hidden-state type. */
export interface LensRunner {
  session: ort.InferenceSession;
  hiddenType: ElemType;
  /** The vocabulary size when the head says it (bounds k and each batch's memory). */
  vocab: number | null;
}

/** Where a decode session's lens rows are: each lens layer's hidden-state output, and the lens that reads them. */
export interface LensRows {
  layers: { layer: number; output: string }[];
  /** The standalone lens session (cached by the session source; made on first use). */
  open(hiddenType: ElemType): Promise<LensRunner>;
}

/** What a session knows about its lens: in-graph nodes (`graph`) or hidden-state rows (`rows`), or why there are none. */
export interface LensSessionInfo {
  graph: LensGraph | null;
  head: LensHeadInfo | null;
  unavailable: string | null;
  rows?: LensRows;
}

type Row = Float32Array | Uint16Array;

/** The batch's probabilities ([rows, V], three such tensors at most in ORT at once) stay under this. */
const BATCH_BYTES = 96 * 1024 * 1024;
const SELF_PAST = /^past_key_values\.\d+(\.decoder)?\.key$/;

export class LensRecorder {
  /** position → each lens layer's row there. */
  private readonly rows = new Map<number, Row[]>();
  /** position → the token fed there (and, after the last step, the one chosen). */
  private readonly tokens = new Map<number, number>();
  private source: LensRows | null = null;
  private head: LensHeadInfo | null = null;
  private hiddenType: 'float32' | 'float16' = 'float32';
  private width = 0;
  private end = 0;
  readonly unavailable = new Set<string>();

  constructor(
    private readonly options: LensGraphOptions,
    /** Bound on one batch's [rows, V] probabilities (tests make it small to run many batches). */
    private readonly batchBytes = BATCH_BYTES,
  ) {}

  /** One decode step: its feeds and outputs (ORT tensors or anything with dims and data). */
  step(session: { lens?: LensSessionInfo }, feeds: Record<string, TensorLike>, outputs: Record<string, TensorLike>): void {
    const lens = session.lens;
    if (!lens) return;
    if (lens.unavailable) this.unavailable.add(lens.unavailable);
    const ids = feeds.input_ids;
    if (!lens.rows || !ids) return;
    const fed = ids.dims[ids.dims.length - 1];
    const pastName = Object.keys(feeds).find((n) => SELF_PAST.test(n));
    const total = feeds.attention_mask ? feeds.attention_mask.dims[1] : fed + (pastName ? feeds[pastName].dims[2] : 0);
    const start = total - fed;
    for (let r = 0; r < fed; r++) this.tokens.set(start + r, Number(ids.data[r]));
    this.end = total;
    const tensors = lens.rows.layers.map((l) => outputs[l.output]);
    const missing = lens.rows.layers.filter((_, i) => !tensors[i]);
    if (missing.length > 0) {
      this.unavailable.add(`ONNX Runtime returned no hidden state for layer ${missing.map((l) => l.layer).join(', ')}.`);
      return;
    }
    const type = tensors[0].type ?? 'float32';
    const width = tensors[0].dims[tensors[0].dims.length - 1];
    if (
      (type !== 'float32' && type !== 'float16') ||
      tensors.some((t) => (t.type ?? 'float32') !== type || t.dims[t.dims.length - 1] !== width || t.data.length !== fed * width)
    ) {
      this.unavailable.add(
        `the hidden states are ${type} [${tensors[0].dims.join(', ')}]; the lens reads float32 or float16 rows, one per fed token.`,
      );
      return;
    }
    this.source ??= lens.rows;
    this.head ??= lens.head;
    this.hiddenType = type as 'float32' | 'float16';
    this.width = width;
    const first = this.options.rows === 'all' ? start : total - 1;
    for (let position = first; position < total; position++) {
      if (this.rows.has(position)) continue; // already recorded by an earlier step
      const r = position - start;
      // 'last' keeps one row of each step's tensor (a copy, so the prefill's whole tensor is not kept alive);
      // 'all' keeps every row, so views serve.
      this.rows.set(
        position,
        tensors.map((t) => {
          const view = (t.data as Row).subarray(r * width, (r + 1) * width);
          return this.options.rows === 'all' ? view : view.slice();
        }),
      );
    }
  }

  /**
   * Runs the lens over every recorded row, in batches, and returns the capture. `lastChosen` is the token generated
   * at the last step (never fed back, so not seen in the feeds).
   */
  async finish(lastChosen: number | undefined, signal?: AbortSignal): Promise<LensCapture> {
    if (lastChosen !== undefined && this.end > 0) this.tokens.set(this.end, lastChosen);
    const positions = [...this.rows.keys()].sort((a, b) => a - b);
    const layers = this.source?.layers.map((l) => l.layer) ?? [];
    const L = layers.length;
    const runner = this.source && positions.length > 0 ? await this.source.open(this.hiddenType) : null;
    const vocab = runner?.vocab ?? null;
    // No lens rows at all: k 0, as a capture with nothing in it has always said.
    const k = !this.source ? 0 : vocab ? Math.min(this.options.k, vocab) : this.options.k;
    const cells = positions.length * L;
    const capture: LensCapture = {
      layers,
      positions,
      k,
      rows: this.options.rows,
      ids: new Int32Array(cells * k),
      probs: new Float32Array(cells * k),
      nextIds: new Int32Array(positions.length).fill(-1),
      nextProbs: new Float32Array(cells).fill(NaN),
      head: this.head,
      unavailable: [...this.unavailable],
    };
    const valid = (id: number | undefined): id is number => id !== undefined && id >= 0 && (vocab === null || id < vocab);
    positions.forEach((p, i) => {
      const next = this.tokens.get(p + 1);
      if (valid(next)) capture.nextIds[i] = next;
    });
    if (!runner) return capture;
    // Rows in the capture's order ([position][layer]), run in batches that bound the [rows, V] probabilities.
    const batch = Math.max(1, Math.floor(this.batchBytes / ((vocab ?? 65536) * 4 * 3)));
    const W = this.width;
    for (let c0 = 0; c0 < cells; c0 += batch) {
      await checkpoint(signal);
      const n = Math.min(batch, cells - c0);
      const hidden = this.hiddenType === 'float16' ? new Uint16Array(n * W) : new Float32Array(n * W);
      const nextIds = new BigInt64Array(n);
      for (let j = 0; j < n; j++) {
        const c = c0 + j;
        const p = Math.floor(c / L);
        hidden.set(this.rows.get(positions[p])![c % L] as never, j * W);
        nextIds[j] = BigInt(Math.max(0, capture.nextIds[p]));
      }
      const out = await runner.session.run({
        [STANDALONE_LENS.hidden]: new ort.Tensor(this.hiddenType, hidden, [1, n, W]),
        [STANDALONE_LENS.nextIds]: new ort.Tensor('int64', nextIds, [1, n]),
        [STANDALONE_LENS.k]: new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]),
      });
      const probs = numbersOf(out[STANDALONE_LENS.topProbs]);
      const ids = out[STANDALONE_LENS.topIds].data as BigInt64Array;
      const next = numbersOf(out[STANDALONE_LENS.nextProbs]);
      for (let j = 0; j < n * k; j++) {
        capture.ids[c0 * k + j] = Number(ids[j]);
        capture.probs[c0 * k + j] = probs[j];
      }
      for (let j = 0; j < n; j++) if (capture.nextIds[Math.floor((c0 + j) / L)] !== -1) capture.nextProbs[c0 + j] = next[j];
    }
    this.rows.clear();
    return capture;
  }
}
