/**
 * The head view: one head (or the head mean) large, token labels on both axes (drawn on the canvas, so the PNG
 * keeps them), masked cells hatched, the selected query row outlined, and a readout under the pointer.
 * ↑↓ move the query, ←→ move a key cursor for the readout.
 */
import type { MatrixResult } from '../../src/protocol/panel';
import type { ViewToken } from '../../src/protocol/trace';
import { toCss } from '../../src/panelData/colorScale';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { hatchMasked, invert, paintBytes, sizeCanvas, toBytes } from '../shared/heatmap';
import type { Theme } from '../shared/theme';
import { cellAt, heatLayout, labelShown, type HeatLayout } from './layout';
import { displayText, formatProb } from '../shared/tokenText';

interface Shown {
  queries: number;
  keys: number;
  data: Float32Array;
  bytes: Uint8Array;
  masked?: Uint8Array;
  queryTokens: ViewToken[];
  keyTokens: ViewToken[];
}

const MAX_LABEL = 14;

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
  }

  setMatrix(m: MatrixResult, queryTokens: ViewToken[], keyTokens: ViewToken[], theme: Theme, lut: Uint8ClampedArray, query: number): void {
    const started = performance.now();
    this.shown = {
      queries: m.queries,
      keys: m.keys,
      data: m.data,
      bytes: toBytes(m.data),
      masked: m.visible ? invert(m.visible) : undefined,
      queryTokens,
      keyTokens,
    };
    this.query = query;
    this.keyCursor = Math.min(this.keyCursor, m.keys - 1);
    this.repaint(theme, lut, started);
  }

  /** Repaints from the bytes in hand (theme or scale change); `started` lets setMatrix count its conversion too. */
  repaint(theme: Theme, lut: Uint8ClampedArray, started = performance.now()): void {
    const s = this.shown;
    if (!s) return;
    this.theme = theme;
    paintBytes(this.offscreen, s.bytes, s.queries, s.keys, lut, s.masked, theme.masked);
    this.draw();
    this.lastPaintMs = performance.now() - started;
    this.canvas.dataset.paintMs = this.lastPaintMs.toFixed(2);
  }

  setQuery(query: number): void {
    this.query = query;
    this.draw();
    this.describe(query, this.keyCursor);
  }

  clear(message: string): void {
    this.shown = undefined;
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
    const widest = (tokens: ViewToken[], n: number) =>
      Math.max(0, ...Array.from({ length: Math.min(n, 400) }, (_, i) => ctx.measureText(labelOf(tokens[i], i)).width));
    const width = Math.max(320, this.element.clientWidth || 600);
    const layout = heatLayout(s.queries, s.keys, {
      maxWidth: width,
      maxHeight: Math.max(320, Math.min(width, 900)),
      labelWidth: Math.ceil(Math.min(130, widest(s.queryTokens, s.queries) + 10)),
      labelHeight: Math.ceil(Math.min(100, widest(s.keyTokens, s.keys) + 10)),
      labelSize: fontSize + 2,
    });
    this.layout = layout;
    // Published for tests and tools that need to find a cell (plain numbers, no token text).
    this.canvas.dataset.layout = JSON.stringify({
      left: layout.left,
      top: layout.top,
      cell: layout.cell,
      queries: layout.queries,
      keys: layout.keys,
    });
    sizeCanvas(this.canvas, ctx, layout.width, layout.height, toCss(t.background));
    const { left, top, cell } = layout;
    ctx.drawImage(this.offscreen, left, top, s.keys * cell, s.queries * cell);
    if (s.masked) hatchMasked(ctx, s.masked, s.queries, s.keys, left, top, cell, toCss(t.foreground, 0.28));
    // Labels: every n-th so they never overlap, the selected query's always, in the accent colour.
    ctx.font = font;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (let q = 0; q < s.queries; q++) {
      if (!labelShown(q, layout.rowStride, this.query)) continue;
      ctx.fillStyle = toCss(q === this.query ? t.focus : t.muted);
      ctx.fillText(labelOf(s.queryTokens[q], q), left - 4, top + (q + 0.5) * cell);
    }
    ctx.save();
    ctx.textAlign = 'left';
    ctx.fillStyle = toCss(t.muted);
    for (let k = 0; k < s.keys; k++) {
      if (!labelShown(k, layout.colStride)) continue;
      // Rotated about the label's own point; the restore brings back the pixel-ratio transform.
      ctx.save();
      ctx.translate(left + (k + 0.5) * cell, top - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(labelOf(s.keyTokens[k], k), 0, 0);
      ctx.restore();
    }
    ctx.restore();
    if (this.query >= 0 && this.query < s.queries) {
      ctx.strokeStyle = toCss(t.focus);
      ctx.lineWidth = cell >= 6 ? 2 : 1;
      ctx.strokeRect(left - 1, top + this.query * cell - 1, s.keys * cell + 2, cell + 2);
    }
    if (this.keyCursor >= 0 && document.activeElement === this.canvas) {
      ctx.strokeStyle = toCss(t.foreground);
      ctx.strokeRect(left + this.keyCursor * cell, top + this.query * cell, cell, cell);
    }
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
    const masked = s.masked?.[query * s.keys + key] ? ' · masked: the model hid this key from this query' : '';
    this.readout.textContent = `Query ${name(s.queryTokens, query)} → key ${name(s.keyTokens, key)}: ${formatProb(weight)}${masked}`;
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
      this.draw();
      this.describe(this.query, this.keyCursor);
    }
  }
}

const truncate = (text: string) => (text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text);

function argmax(data: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (data[offset + i] > data[offset + best]) best = i;
  return best;
}
