// Collects the lens outputs of every step of one decode into a LensCapture. A step's rows are placed by the
// feeds (positions total − rows … total − 1), so KV-cache and full-recompute runs record the same positions;
// rows already recorded (recompute repeats them) are skipped. The full per-layer distribution of a step's last
// row is kept only until the next step reveals which token came next.
import type { LensGraph } from './graph';
import type { LensHeadInfo } from './model';
import { type LensCapture, type TensorLike, lensFromOutputs, numbersOf } from './outputs';

/** What a session knows about its lens: the appended nodes, what they apply, or why there are none. */
export interface LensSessionInfo {
  graph: LensGraph | null;
  head: LensHeadInfo | null;
  unavailable: string | null;
}

interface Row {
  ids: number[];
  probs: number[];
  nextId: number;
  next: Float32Array;
}

const SELF_PAST = /^past_key_values\.\d+(\.decoder)?\.key$/;

export class LensRecorder {
  private readonly rows = new Map<number, Row>();
  private pending: { position: number; probs: ArrayLike<number>; vocab: number } | null = null;
  private layers: number[] = [];
  private k = 0;
  private mode: 'last' | 'all' = 'last';
  private head: LensHeadInfo | null = null;
  readonly unavailable = new Set<string>();

  /** One decode step of a session built with the lens (or not, then it says why); see LensSessionInfo. */
  step(session: { lens?: LensSessionInfo }, feeds: Record<string, TensorLike>, outputs: Record<string, TensorLike>): void {
    const lens = session.lens;
    if (!lens) return;
    if (lens.unavailable) this.unavailable.add(lens.unavailable);
    if (lens.graph) this.record(lens.graph, lens.head, feeds, outputs);
  }

  /** One session run: its feeds and outputs (ORT tensors or anything with dims and data). */
  record(lens: LensGraph, head: LensHeadInfo | null, feeds: Record<string, TensorLike>, outputs: Record<string, TensorLike>): void {
    const ids = feeds.input_ids;
    const top = outputs[lens.outputs.topProbs];
    if (!ids || !top) return;
    this.layers = lens.layers;
    this.k = lens.options.k;
    this.mode = lens.options.rows;
    this.head ??= head;
    const L = lens.layers.length;
    const fed = ids.dims[ids.dims.length - 1];
    const pastName = Object.keys(feeds).find((n) => SELF_PAST.test(n));
    const total = feeds.attention_mask ? feeds.attention_mask.dims[1] : fed + (pastName ? feeds[pastName].dims[2] : 0);
    const start = total - fed;
    const tokenAt = (position: number) => Number(ids.data[position - start]);

    if (this.pending && this.pending.position + 1 >= start && this.pending.position + 1 < total)
      this.resolve(tokenAt(this.pending.position + 1));
    const first = lens.options.rows === 'all' ? start : total - 1;
    for (const e of lensFromOutputs(top, outputs[lens.outputs.topIds], lens.layers, first)) {
      let row = this.rows.get(e.position);
      if (row && row.ids.length === L * this.k) continue; // already recorded by an earlier step
      if (!row) this.rows.set(e.position, (row = { ids: [], probs: [], nextId: -1, next: new Float32Array(L).fill(NaN) }));
      for (const t of e.top) {
        row.ids.push(t.id);
        row.probs.push(t.prob);
      }
    }
    const next = lens.outputs.nextProbs ? outputs[lens.outputs.nextProbs] : undefined;
    if (next) {
      // [1, L, rows − 1, 1]: row r's probability of the token fed at row r + 1.
      const before = fed - 1;
      const values = numbersOf(next);
      for (let r = 0; r < before; r++) {
        const row = this.rows.get(start + r);
        if (!row || row.nextId !== -1) continue;
        row.nextId = tokenAt(start + r + 1);
        for (let l = 0; l < L; l++) row.next[l] = values[l * before + r];
      }
    }
    const last = outputs[lens.outputs.lastProbs];
    const lastRow = this.rows.get(total - 1);
    if (last && lastRow && lastRow.nextId === -1)
      this.pending = { position: total - 1, probs: numbersOf(last), vocab: last.dims[last.dims.length - 1] };
  }

  /** Which token came after the pending position: each layer's probability of it. */
  private resolve(id: number): void {
    const p = this.pending!;
    this.pending = null;
    const row = this.rows.get(p.position);
    if (!row || id < 0 || id >= p.vocab) return;
    row.nextId = id;
    for (let l = 0; l < this.layers.length; l++) row.next[l] = p.probs[l * p.vocab + id];
  }

  /** The capture; `lastChosen` is the token generated at the last step (never fed back, so not seen in feeds). */
  finish(lastChosen: number | undefined): LensCapture {
    if (this.pending && lastChosen !== undefined) this.resolve(lastChosen);
    const positions = [...this.rows.keys()].sort((a, b) => a - b);
    const L = this.layers.length;
    const cells = positions.length * L;
    const capture: LensCapture = {
      layers: this.layers,
      positions,
      k: this.k,
      rows: this.mode,
      ids: new Int32Array(cells * this.k),
      probs: new Float32Array(cells * this.k),
      nextIds: new Int32Array(positions.length).fill(-1),
      nextProbs: new Float32Array(cells).fill(NaN),
      head: this.head,
      unavailable: [...this.unavailable],
    };
    positions.forEach((position, p) => {
      const row = this.rows.get(position)!;
      capture.ids.set(row.ids, p * L * this.k);
      capture.probs.set(row.probs, p * L * this.k);
      capture.nextIds[p] = row.nextId;
      capture.nextProbs.set(row.next, p * L);
    });
    return capture;
  }
}
