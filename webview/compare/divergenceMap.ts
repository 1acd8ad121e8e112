/**
 * One kind's attention divergence as a layer × head heatmap (mean Jensen-Shannon divergence in bits, linear from
 * 0 to the largest value of the comparison), painted through ImageData and scaled up with labels and cell
 * borders. Hover or the arrow keys describe a cell in the readout; Enter shows B's attention there in the
 * panel (Shift+Enter: A's), as do the two buttons under it.
 */
import type { CompareSide } from '../../src/protocol/compare';
import { toCss } from '../../src/panelData/colorScale';
import { actionButton } from '../shared/controls';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { paintBytes, sizeCanvas } from '../shared/heatmap';
import type { Theme } from '../shared/theme';
import { describeCell, formatBits, gridBytes, type KindGrid } from './model';

interface Geometry {
  left: number;
  top: number;
  cell: number;
  layers: number;
  heads: number;
}

export class DivergenceMap {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly readout = el('div', { className: 'readout jsd-readout', attrs: { 'aria-live': 'polite' } });
  private readonly legend = el('div', { className: 'jsd-legend' });
  private readonly legendBar = el('canvas', { className: 'legend-bar', attrs: { 'aria-hidden': 'true' } });
  private readonly offscreen = document.createElement('canvas');
  private readonly openA: HTMLElement;
  private readonly openB: HTMLElement;
  private readonly actions: HTMLElement;
  private grid?: KindGrid;
  private max = 0;
  private theme?: Theme;
  private lut?: Uint8ClampedArray;
  private geometry?: Geometry;
  private selected = { l: 0, h: 0 };
  private hovering = false;

  constructor(
    private readonly on: {
      select(layer: number, head: number): void;
      move(dLayer: number, dHead: number): void;
      open(side: CompareSide, layer: number, head: number): void;
    },
  ) {
    this.canvas = el('canvas', { className: 'jsd-canvas', attrs: { tabindex: '0', role: 'img' } });
    this.canvas.addEventListener('mousemove', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      this.hovering = !!cell;
      if (cell) this.describe(cell.l, cell.h);
      else this.describeSelected();
    });
    this.canvas.addEventListener('mouseleave', () => {
      this.hovering = false;
      this.describeSelected();
    });
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      if (cell && this.grid) this.on.select(this.grid.layers[cell.l], cell.h);
    });
    this.canvas.addEventListener('dblclick', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      if (cell && this.grid) this.on.open('b', this.grid.layers[cell.l], cell.h);
    });
    this.canvas.addEventListener('keydown', (e) => {
      const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (moves[e.key]) {
        e.preventDefault();
        this.on.move(...moves[e.key]);
      } else if (e.key === 'Enter' && this.grid) {
        e.preventDefault();
        this.on.open(e.shiftKey ? 'a' : 'b', this.grid.layers[this.selected.l], this.selected.h);
      }
    });
    this.openA = actionButton(
      'go-to-file',
      t('compare.showHere', 'A'),
      () => this.grid && this.on.open('a', this.grid.layers[this.selected.l], this.selected.h),
      'open-cell-a',
    );
    this.openB = actionButton(
      'go-to-file',
      t('compare.showHere', 'B'),
      () => this.grid && this.on.open('b', this.grid.layers[this.selected.l], this.selected.h),
      'open-cell-b',
    );
    this.element = el(
      'div',
      { className: 'jsd-map' },
      el('div', { className: 'jsd-scroll' }, this.canvas),
      this.legend,
      this.readout,
      (this.actions = el(
        'div',
        { className: 'cell-actions' },
        this.openA,
        this.openB,
        el(
          'span',
          { className: 'muted hint' },
          'Arrow keys move; Enter shows B’s attention there in the panel, Shift+Enter A’s; double-click a cell for B.',
        ),
      )),
    );
  }

  /** The standalone report has no traces to open: the cell buttons and their hint go. */
  setStandalone(standalone: boolean): void {
    this.actions.hidden = standalone;
  }

  /** A kind's grid on a 0..max scale, with the cell at (layer, head) selected. */
  set(grid: KindGrid, max: number, layer: number, head: number, theme: Theme, lut: Uint8ClampedArray): void {
    this.grid = grid;
    this.max = max;
    this.selected = { l: Math.max(0, grid.layers.indexOf(layer)), h: head };
    this.canvas.dataset.kind = grid.kind;
    this.canvas.dataset.max = String(max);
    const zero = max <= 0;
    this.canvas.setAttribute(
      'aria-label',
      `${t('compare.mapAria', t(`kindInline.${grid.kind}`), formatBits(max))}${zero ? ` ${t('compare.mapZero')}` : ''}`,
    );
    this.repaint(theme, lut);
    this.describeSelected();
  }

  select(layer: number, head: number): void {
    const grid = this.grid;
    if (!grid) return;
    this.selected = { l: Math.max(0, grid.layers.indexOf(layer)), h: head };
    this.draw();
    // The buttons name the picked cell at once; the readout keeps following the mouse while it is over the map.
    this.labelButtons();
    if (!this.hovering) this.describeSelected();
  }

  repaint(theme: Theme, lut: Uint8ClampedArray): void {
    const grid = this.grid;
    if (!grid) return;
    this.theme = theme;
    this.lut = lut;
    const { bytes, missing } = gridBytes(grid, this.max);
    paintBytes(this.offscreen, bytes, grid.layers.length, grid.heads, lut, missing, theme.masked);
    this.draw();
    this.drawLegend();
  }

  private draw(): void {
    const grid = this.grid;
    const t = this.theme;
    const ctx = this.canvas.getContext('2d');
    if (!grid || !t || !ctx) return;
    const L = grid.layers.length;
    const H = grid.heads;
    const fontSize = Math.max(9, t.fontSize - 2);
    const left = 40;
    const top = fontSize + 8;
    const width = Math.max(240, (this.element.clientWidth || 480) - 8);
    const cell = Math.max(16, Math.min(44, Math.floor((width - left - 4) / H), Math.floor(360 / L)));
    const w = left + H * cell + 4;
    const h = top + L * cell + 4;
    this.geometry = { left, top, cell, layers: L, heads: H };
    this.canvas.dataset.layout = JSON.stringify(this.geometry);
    sizeCanvas(this.canvas, ctx, w, h, toCss(t.background));
    ctx.drawImage(this.offscreen, left, top, H * cell, L * cell);
    // Cell borders, so equal neighbours (and an all-zero map) still read as cells.
    ctx.strokeStyle = toCss(t.border);
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let l = 0; l <= L; l++) {
      ctx.moveTo(left, top + l * cell + 0.5);
      ctx.lineTo(left + H * cell, top + l * cell + 0.5);
    }
    for (let c = 0; c <= H; c++) {
      ctx.moveTo(left + c * cell + 0.5, top);
      ctx.lineTo(left + c * cell + 0.5, top + L * cell);
    }
    ctx.stroke();
    ctx.font = `${fontSize}px ${t.monoFamily}`;
    ctx.fillStyle = toCss(t.muted);
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    grid.layers.forEach((layer, l) => ctx.fillText(`L${layer}`, left - 5, top + (l + 0.5) * cell));
    ctx.textAlign = 'center';
    for (let c = 0; c < H; c++) ctx.fillText(`H${c}`, left + (c + 0.5) * cell, top / 2);
    const { l, h: hd } = this.selected;
    ctx.strokeStyle = toCss(t.focus);
    ctx.lineWidth = 2;
    ctx.strokeRect(left + hd * cell + 1, top + l * cell + 1, cell - 2, cell - 2);
  }

  private drawLegend(): void {
    const lut = this.lut;
    const theme = this.theme;
    if (!lut || !theme) return;
    paintBytes(
      this.legendBar,
      Uint8Array.from({ length: 64 }, (_, i) => Math.round((i / 63) * 255)),
      1,
      64,
      lut,
    );
    const zero = this.max <= 0;
    const swatch = el('span', { className: 'legend-swatch', title: t('compare.notCompared') });
    swatch.style.background = toCss(theme.masked);
    this.legend.replaceChildren(
      el('span', {}, '0'),
      this.legendBar,
      el('span', { className: 'legend-max' }, zero ? t('compare.legendZero') : t('compare.legendMax', formatBits(this.max))),
      swatch,
      el('span', { className: 'muted' }, t('compare.notCompared')),
    );
  }

  private cellAt(x: number, y: number): { l: number; h: number } | undefined {
    const g = this.geometry;
    if (!g) return undefined;
    const h = Math.floor((x - g.left) / g.cell);
    const l = Math.floor((y - g.top) / g.cell);
    if (h < 0 || h >= g.heads || l < 0 || l >= g.layers) return undefined;
    return { l, h };
  }

  private describe(l: number, h: number): void {
    const grid = this.grid;
    if (!grid) return;
    this.readout.textContent = describeCell(grid, l, h);
    const v = grid.mean[l * grid.heads + h];
    Object.assign(this.readout.dataset, { layer: String(grid.layers[l]), head: String(h), value: String(v) });
  }

  private describeSelected(): void {
    this.describe(this.selected.l, this.selected.h);
    this.labelButtons();
  }

  private labelButtons(): void {
    const grid = this.grid;
    if (!grid) return;
    const label = (side: string) => t('compare.showCell', side, grid.layers[this.selected.l], this.selected.h);
    this.openA.textContent = label('A');
    this.openB.textContent = label('B');
  }
}
