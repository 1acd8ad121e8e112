/**
 * A heatmap of signed values (rows × columns) on a diverging scale centred on 0, painted through ImageData and
 * scaled up with labels and cell borders. Hover or the arrow keys describe a cell in the readout (its value is
 * also on the readout's data-value); the picked cell is reported so the view can keep it with setState.
 * Labels are drawn on canvas; the readout is a text node: token text never becomes markup.
 */
import { buildLut, mix, toCss } from '../../src/panelData/colorScale';
import { el } from '../shared/dom';
import { paintBytes, sizeCanvas } from '../shared/heatmap';
import type { Theme } from '../shared/theme';
import { divergingBytes, valueByte, type Grid } from './model';

export interface GridMapData extends Grid {
  /** Row and column labels drawn beside the cells (short: "L1", "H2", "3"). */
  rowLabels: string[];
  colLabels: string[];
  /** Longer column names (token text) drawn turned under the cells, when given. */
  colNames?: string[];
  /** The scale runs from −max to +max. */
  max: number;
  describe(row: number, col: number): string;
  aria: string;
  /** Legend text at either end and in the middle. */
  legend: { low: string; mid: string; high: string };
}

interface Geometry {
  left: number;
  top: number;
  cell: number;
  rows: number;
  cols: number;
}

/** 256 colours: 0 = −max (the palette's red), 128 = 0 (the background), 255 = +max (the heat ramp's top). */
export function divergingLut(theme: Theme): Uint8ClampedArray {
  const up = buildLut(theme.ramp, 'sqrt');
  const red = theme.palette[4];
  const down = buildLut([theme.background, mix(theme.background, red, 0.55), red], 'sqrt');
  const lut = new Uint8ClampedArray(256 * 4);
  for (let b = 0; b < 256; b++) {
    const t = (b - 128) / 127;
    const from = t >= 0 ? up : down;
    const i = Math.max(0, Math.min(255, Math.round(Math.abs(t) * 255)));
    lut.set(from.subarray(i * 4, i * 4 + 4), b * 4);
  }
  return lut;
}

export class GridMap {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly readout: HTMLElement;
  private readonly legend = el('div', { className: 'grid-legend' });
  private readonly legendBar = el('canvas', { className: 'legend-bar', attrs: { 'aria-hidden': 'true' } });
  private readonly offscreen = document.createElement('canvas');
  private data?: GridMapData;
  private theme?: Theme;
  private lut?: Uint8ClampedArray;
  private geometry?: Geometry;
  private selected = { r: 0, c: 0 };
  private hovering = false;

  constructor(
    className: string,
    private readonly onSelect: (row: number, col: number) => void,
  ) {
    this.canvas = el('canvas', { className: 'grid-canvas', attrs: { tabindex: '0', role: 'img' } });
    this.readout = el('div', { className: 'readout grid-readout', attrs: { 'aria-live': 'polite' } });
    this.canvas.addEventListener('mousemove', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      this.hovering = !!cell;
      if (cell) this.describe(cell.r, cell.c);
      else this.describe(this.selected.r, this.selected.c);
    });
    this.canvas.addEventListener('mouseleave', () => {
      this.hovering = false;
      this.describe(this.selected.r, this.selected.c);
    });
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      if (cell) this.pick(cell.r, cell.c);
    });
    this.canvas.addEventListener('keydown', (e) => {
      const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      const move = moves[e.key];
      const d = this.data;
      if (!move || !d) return;
      e.preventDefault();
      this.pick(Math.max(0, Math.min(d.rows - 1, this.selected.r + move[0])), Math.max(0, Math.min(d.cols - 1, this.selected.c + move[1])));
    });
    this.element = el(
      'div',
      { className: `grid-map ${className}` },
      el('div', { className: 'grid-scroll' }, this.canvas),
      this.legend,
      this.readout,
    );
  }

  /** The values drawn, row-major. */
  get values(): (number | null)[] {
    return this.data?.values ?? [];
  }

  set(data: GridMapData, row: number, col: number, theme: Theme, lut: Uint8ClampedArray): void {
    this.data = data;
    this.selected = { r: clamp(row, data.rows), c: clamp(col, data.cols) };
    this.canvas.dataset.max = String(data.max);
    this.canvas.setAttribute('aria-label', data.aria);
    this.repaint(theme, lut);
    this.describe(this.selected.r, this.selected.c);
  }

  repaint(theme: Theme, lut: Uint8ClampedArray): void {
    const d = this.data;
    if (!d) return;
    this.theme = theme;
    this.lut = lut;
    const { bytes, missing } = divergingBytes(d.values, d.max);
    paintBytes(this.offscreen, bytes, d.rows, d.cols, lut, missing, theme.masked);
    this.draw();
    this.drawLegend();
  }

  private pick(r: number, c: number): void {
    this.selected = { r, c };
    this.draw();
    if (!this.hovering) this.describe(r, c);
    this.onSelect(r, c);
  }

  private draw(): void {
    const d = this.data;
    const t = this.theme;
    const ctx = this.canvas.getContext('2d');
    if (!d || !t || !ctx) return;
    const fontSize = Math.max(9, t.fontSize - 2);
    const left = 8 + Math.max(...d.rowLabels.map((l) => l.length), 2) * fontSize * 0.62;
    const top = fontSize + 8;
    const width = Math.max(240, (this.element.clientWidth || 640) - 8);
    const cell = Math.max(14, Math.min(44, Math.floor((width - left - 4) / d.cols), Math.floor(420 / d.rows)));
    this.geometry = { left, top, cell, rows: d.rows, cols: d.cols };
    this.canvas.dataset.layout = JSON.stringify(this.geometry);
    const names = d.colNames?.map((n) => (n.length > 12 ? `${n.slice(0, 11)}…` : n));
    const below = names ? 8 + Math.max(...names.map((n) => n.length), 1) * fontSize * 0.62 : 0;
    sizeCanvas(this.canvas, ctx, left + d.cols * cell + 4, top + d.rows * cell + 4 + below, toCss(t.background));
    ctx.drawImage(this.offscreen, left, top, d.cols * cell, d.rows * cell);
    ctx.strokeStyle = toCss(t.border);
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = 0; r <= d.rows; r++) {
      ctx.moveTo(left, top + r * cell + 0.5);
      ctx.lineTo(left + d.cols * cell, top + r * cell + 0.5);
    }
    for (let c = 0; c <= d.cols; c++) {
      ctx.moveTo(left + c * cell + 0.5, top);
      ctx.lineTo(left + c * cell + 0.5, top + d.rows * cell);
    }
    ctx.stroke();
    ctx.font = `${fontSize}px ${t.monoFamily}`;
    ctx.fillStyle = toCss(t.muted);
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    d.rowLabels.forEach((label, r) => ctx.fillText(label, left - 5, top + (r + 0.5) * cell));
    ctx.textAlign = 'center';
    // Column labels only where they fit (every k-th column).
    const every = Math.max(1, Math.ceil((fontSize * 2.2) / cell));
    d.colLabels.forEach((label, c) => c % every === 0 && ctx.fillText(label, left + (c + 0.5) * cell, top / 2));
    if (names && cell >= fontSize) {
      // Canvas text: token text stays text. Turned a quarter so each name fits its column.
      ctx.fillStyle = toCss(t.foreground);
      ctx.textAlign = 'right';
      names.forEach((name, c) => {
        ctx.save();
        ctx.translate(left + (c + 0.5) * cell, top + d.rows * cell + 6);
        ctx.rotate(-Math.PI / 2);
        ctx.fillText(name, 0, 0);
        ctx.restore();
      });
    }
    ctx.strokeStyle = toCss(t.focus);
    ctx.lineWidth = 2;
    ctx.strokeRect(left + this.selected.c * cell + 1, top + this.selected.r * cell + 1, cell - 2, cell - 2);
  }

  private drawLegend(): void {
    const d = this.data;
    if (!d || !this.lut) return;
    paintBytes(
      this.legendBar,
      Uint8Array.from({ length: 64 }, (_, i) => valueByte(-d.max + (2 * d.max * i) / 63, d.max)),
      1,
      64,
      this.lut,
    );
    this.legend.replaceChildren(
      el('span', { className: 'legend-low' }, d.legend.low),
      this.legendBar,
      el('span', { className: 'legend-high' }, d.legend.high),
      el('span', { className: 'muted legend-mid' }, d.legend.mid),
    );
  }

  private cellAt(x: number, y: number): { r: number; c: number } | undefined {
    const g = this.geometry;
    if (!g) return undefined;
    const c = Math.floor((x - g.left) / g.cell);
    const r = Math.floor((y - g.top) / g.cell);
    if (c < 0 || c >= g.cols || r < 0 || r >= g.rows) return undefined;
    return { r, c };
  }

  private describe(r: number, c: number): void {
    const d = this.data;
    if (!d) return;
    this.readout.textContent = d.describe(r, c);
    const v = d.values[r * d.cols + c];
    Object.assign(this.readout.dataset, { row: String(r), col: String(c), value: v === null ? '' : String(v) });
  }
}

const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, Number.isInteger(i) ? i : 0));
