/**
 * The head view: one head (or the head mean) large, token labels on both axes (drawn on the canvas, so the PNG
 * keeps them), masked cells hatched, the selected query row outlined, and a readout under the pointer.
 * ↑↓ move the query, ←→ move a key cursor for the readout.
 *
 * A head with more cells than the canvas has pixels (a 4,096-token trace) is max-pooled to the canvas's device
 * pixels — a strong key is never averaged away — and + / − / 0 (or Ctrl+wheel) zoom into a window around the query
 * or the pointer, down to full resolution; the window follows the query as it moves.
 */
import type { MatrixResult } from '../../src/protocol/panel';
import type { ViewToken } from '../../src/protocol/trace';
import { toCss } from '../../src/panelData/colorScale';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { hatchMasked, paintRegion, sizeCanvas, type MatrixRegion } from '../shared/heatmap';
import type { Theme } from '../shared/theme';
import { cellAt, heatLayout, labelShown, type HeatLayout } from './layout';
import { displayText, formatProb } from '../shared/tokenText';

interface Shown {
  queries: number;
  keys: number;
  data: Float32Array;
  /** 1 where the model let the query see the key (absent: no mask was captured). */
  visible?: Uint8Array;
  queryTokens: ViewToken[];
  keyTokens: ViewToken[];
}

const MAX_LABEL = 14;
/** The smallest zoomed window, in cells per side. */
const MIN_WINDOW = 8;

export class HeadView {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly readout: HTMLElement;
  private readonly offscreen = document.createElement('canvas');
  private shown?: Shown;
  private layout?: HeatLayout;
  private theme?: Theme;
  private query = 0;
  private keyCursor = -1;
  /** The zoomed window (absent: the whole matrix). */
  private window?: MatrixRegion;
  /** What the offscreen canvas holds, so moving the query repaints labels only. */
  private painted = '';
  private lut?: Uint8ClampedArray;
  /** Milliseconds the last full paint (ImageData + draw) took. */
  lastPaintMs = 0;

  constructor(private readonly onQuery: (query: number) => void) {
    this.canvas = el('canvas', {
      className: 'head-canvas',
      attrs: { tabindex: '0', role: 'img', 'aria-label': t('head.aria') },
    });
    this.readout = el('div', { className: 'readout', attrs: { 'aria-live': 'polite' } });
    this.element = el('div', { className: 'head-view' }, el('div', { className: 'head-scroll' }, this.canvas), this.readout);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e.offsetX, e.offsetY));
    this.canvas.addEventListener('mouseleave', () => this.describe(this.query, this.keyCursor));
    this.canvas.addEventListener('click', (e) => {
      const cell = this.layout && cellAt(this.layout, e.offsetX, e.offsetY);
      if (cell) this.onQuery(cell.query);
    });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    this.canvas.addEventListener(
      'wheel',
      (e) => {
        if (!e.ctrlKey || !this.layout) return;
        e.preventDefault();
        const cell = cellAt(this.layout, e.offsetX, e.offsetY);
        this.zoom(e.deltaY < 0 ? 0.5 : 2, cell?.query ?? this.query, cell?.key ?? this.query);
      },
      { passive: false },
    );
  }

  setMatrix(m: MatrixResult, queryTokens: ViewToken[], keyTokens: ViewToken[], theme: Theme, lut: Uint8ClampedArray, query: number): void {
    const started = performance.now();
    // Another head of the same shape keeps the zoomed window; another shape starts from the whole matrix.
    if (this.shown?.queries !== m.queries || this.shown.keys !== m.keys) this.window = undefined;
    this.shown = { queries: m.queries, keys: m.keys, data: m.data, visible: m.visible, queryTokens, keyTokens };
    this.query = query;
    this.keyCursor = Math.min(this.keyCursor, m.keys - 1);
    this.follow();
    this.repaint(theme, lut, started);
  }

  /** Repaints from the matrix in hand (theme or scale change); `started` lets setMatrix count its own work too. */
  repaint(theme: Theme, lut: Uint8ClampedArray, started = performance.now()): void {
    if (!this.shown) return;
    this.theme = theme;
    this.lut = lut;
    this.painted = '';
    this.draw();
    this.lastPaintMs = performance.now() - started;
    this.canvas.dataset.paintMs = this.lastPaintMs.toFixed(2);
  }

  setQuery(query: number): void {
    this.query = query;
    this.follow();
    this.draw();
    this.describe(query, this.keyCursor);
  }

  /**
   * Zooms by `factor` (0.5: half the window, 2: twice, 0: the whole matrix) keeping (query, key) in place; the
   * window never gets smaller than MIN_WINDOW cells nor larger than the matrix.
   */
  zoom(factor: number, query = this.query, key = this.keyCursor >= 0 ? this.keyCursor : query): void {
    const s = this.shown;
    if (!s) return;
    const current = this.window ?? { r0: 0, c0: 0, nr: s.queries, nc: s.keys };
    const nr = Math.min(s.queries, Math.max(Math.min(MIN_WINDOW, s.queries), Math.ceil(current.nr * factor)));
    const nc = Math.min(s.keys, Math.max(Math.min(MIN_WINDOW, s.keys), Math.ceil(current.nc * factor)));
    if (factor === 0 || (nr === s.queries && nc === s.keys)) this.window = undefined;
    else {
      // The pointed cell keeps its relative place in the window.
      const fy = (query - current.r0) / current.nr;
      const fx = (key - current.c0) / current.nc;
      this.window = {
        nr,
        nc,
        r0: clamp(Math.round(query - fy * nr), 0, s.queries - nr),
        c0: clamp(Math.round(key - fx * nc), 0, s.keys - nc),
      };
    }
    const started = performance.now();
    this.draw();
    this.lastPaintMs = performance.now() - started;
    this.canvas.dataset.paintMs = this.lastPaintMs.toFixed(2);
  }

  clear(message: string): void {
    this.shown = undefined;
    delete this.element.dataset.shows;
    this.painted = '';
    this.layout = undefined;
    this.canvas.width = this.canvas.height = 0;
    this.readout.textContent = message;
  }

  private draw(): void {
    const s = this.shown;
    const t = this.theme;
    if (!s || !t) return;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const fontSize = Math.max(9, t.fontSize - 2);
    const font = `${fontSize}px ${t.monoFamily}`;
    ctx.font = font;
    // When labels are thinned out, each carries its index so the skipped rows can still be counted.
    const indexed = Math.max(s.queries, s.keys) > 24;
    const labelOf = (tok: ViewToken | undefined, i: number) => (indexed ? `${i} ` : '') + truncate(tok ? displayText(tok) : `#${i}`);
    // The first 400 labels and the last (its index has the most digits).
    const widest = (tokens: ViewToken[], n: number) =>
      Math.max(
        0,
        ...Array.from({ length: Math.min(n, 400) }, (_, i) => ctx.measureText(labelOf(tokens[i], i)).width),
        n > 0 ? ctx.measureText(labelOf(tokens[n - 1], n - 1)).width : 0,
      );
    const width = Math.max(320, this.element.clientWidth || 600);
    const w = this.window ?? { r0: 0, c0: 0, nr: s.queries, nc: s.keys };
    const layout = heatLayout(w.nr, w.nc, {
      maxWidth: width,
      maxHeight: Math.max(320, Math.min(width, 900)),
      labelWidth: Math.ceil(Math.min(130, widest(s.queryTokens, s.queries) + 10)),
      labelHeight: Math.ceil(Math.min(100, widest(s.keyTokens, s.keys) + 10)),
      labelSize: fontSize + 2,
      fitBelowOne: true,
      q0: w.r0,
      k0: w.c0,
    });
    this.layout = layout;
    const { left, top, cell } = layout;
    // More cells than device pixels: each pixel is the max of its block (pooled); otherwise one pixel per cell.
    const dpr = window.devicePixelRatio || 1;
    const outRows = Math.max(1, Math.min(w.nr, Math.round(w.nr * cell * dpr)));
    const outCols = Math.max(1, Math.min(w.nc, Math.round(w.nc * cell * dpr)));
    // Published for tests and tools that need to find a cell (plain numbers, no token text).
    this.canvas.dataset.layout = JSON.stringify({
      left,
      top,
      cell,
      queries: layout.queries,
      keys: layout.keys,
      q0: w.r0,
      k0: w.c0,
      pooled: outRows < w.nr || outCols < w.nc,
      out: [outRows, outCols],
    });
    const key = `${w.r0},${w.c0},${w.nr},${w.nc},${outRows},${outCols}`;
    if (key !== this.painted && this.lut) {
      paintRegion(this.offscreen, s.data, s.keys, w, outRows, outCols, this.lut, s.visible, t.masked);
      this.painted = key;
    }
    sizeCanvas(this.canvas, ctx, layout.width, layout.height, toCss(t.background));
    ctx.drawImage(this.offscreen, left, top, w.nc * cell, w.nr * cell);
    if (s.visible && cell >= 4) hatchMasked(ctx, maskedIn(s.visible, s.keys, w), w.nr, w.nc, left, top, cell, toCss(t.foreground, 0.28));
    // Labels: every n-th so they never overlap, the selected query's always, in the accent colour.
    ctx.font = font;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (let i = 0; i < w.nr; i++) {
      const q = w.r0 + i;
      if (!labelShown(q, layout.rowStride, this.query)) continue;
      ctx.fillStyle = toCss(q === this.query ? t.focus : t.muted);
      ctx.fillText(labelOf(s.queryTokens[q], q), left - 4, top + (i + 0.5) * cell);
    }
    ctx.save();
    ctx.textAlign = 'left';
    ctx.fillStyle = toCss(t.muted);
    for (let i = 0; i < w.nc; i++) {
      const k = w.c0 + i;
      if (!labelShown(k, layout.colStride)) continue;
      // Rotated about the label's own point; the restore brings back the pixel-ratio transform.
      ctx.save();
      ctx.translate(left + (i + 0.5) * cell, top - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(labelOf(s.keyTokens[k], k), 0, 0);
      ctx.restore();
    }
    ctx.restore();
    const row = this.query - w.r0;
    if (row >= 0 && row < w.nr) {
      ctx.strokeStyle = toCss(t.focus);
      ctx.lineWidth = cell >= 6 ? 2 : 1;
      ctx.strokeRect(left - 1, top + row * cell - 1, w.nc * cell + 2, Math.max(1, cell) + 2);
    }
    const col = this.keyCursor - w.c0;
    if (this.keyCursor >= 0 && col >= 0 && col < w.nc && document.activeElement === this.canvas) {
      ctx.strokeStyle = toCss(t.foreground);
      ctx.strokeRect(left + col * cell, top + row * cell, cell, cell);
    }
  }

  /** Moves a zoomed window just enough to bring the query (and the key cursor) into it, after either moved. */
  private follow(): void {
    const w = this.window;
    const s = this.shown;
    if (!w || !s) return;
    if (this.query >= 0 && (this.query < w.r0 || this.query >= w.r0 + w.nr)) w.r0 = clamp(this.query - (w.nr >> 1), 0, s.queries - w.nr);
    if (this.keyCursor >= 0 && (this.keyCursor < w.c0 || this.keyCursor >= w.c0 + w.nc))
      w.c0 = clamp(this.keyCursor - (w.nc >> 1), 0, s.keys - w.nc);
  }

  private hover(x: number, y: number): void {
    const cell = this.layout && cellAt(this.layout, x, y);
    if (cell) this.describe(cell.query, cell.key);
  }

  /** The readout: query and key tokens (as text), the weight, and whether the model masked the key. */
  private describe(query: number, key: number): void {
    const s = this.shown;
    if (!s) return;
    if (key < 0) key = argmax(s.data, query * s.keys, s.keys);
    const name = (tokens: ViewToken[], i: number) => `${i} “${tokens[i] ? displayText(tokens[i]) : '?'}”`;
    const weight = s.data[query * s.keys + key];
    const masked = s.visible && !s.visible[query * s.keys + key] ? ' · masked: the model hid this key from this query' : '';
    const l = this.layout;
    const pooled =
      l && l.cell * (window.devicePixelRatio || 1) < 1
        ? ` · each pixel is the largest of ~${Math.ceil(1 / l.cell)}² cells (+ or Ctrl+wheel zooms)`
        : '';
    this.readout.textContent = `Query ${name(s.queryTokens, query)} → key ${name(s.keyTokens, key)}: ${formatProb(weight)}${masked}${pooled}`;
  }

  private onKey(e: KeyboardEvent): void {
    const s = this.shown;
    if (!s) return;
    if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      this.onQuery(Math.max(0, Math.min(s.queries - 1, this.query + (e.key === 'ArrowUp' ? -1 : 1))));
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      const from = this.keyCursor < 0 ? argmax(s.data, this.query * s.keys, s.keys) : this.keyCursor;
      this.keyCursor = Math.max(0, Math.min(s.keys - 1, from + (e.key === 'ArrowLeft' ? -1 : 1)));
      this.follow();
      this.draw();
      this.describe(this.query, this.keyCursor);
    } else if (e.key === '+' || e.key === '=' || e.key === '-' || e.key === '0') {
      e.preventDefault();
      this.zoom(e.key === '0' ? 0 : e.key === '-' ? 2 : 0.5);
      this.describe(this.query, this.keyCursor);
    }
  }
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** The masked cells (1 = hidden) of a window, for hatching (only drawn when cells are ≥ 4 px, so windows are small). */
function maskedIn(visible: Uint8Array, cols: number, w: MatrixRegion): Uint8Array {
  const out = new Uint8Array(w.nr * w.nc);
  for (let r = 0; r < w.nr; r++) for (let c = 0; c < w.nc; c++) out[r * w.nc + c] = visible[(w.r0 + r) * cols + w.c0 + c] ? 0 : 1;
  return out;
}

const truncate = (text: string) => (text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text);

function argmax(data: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (data[offset + i] > data[offset + best]) best = i;
  return best;
}
