/**
 * The logit lens heatmap: one row per layer, one column per position the lens read, each cell coloured by that
 * layer's top-1 probability (ImageData, one pixel per cell, scaled up). The top-1 token's text appears only in the
 * readout line under the pointer (a text node), never as markup. Clicking a column selects that position as the query.
 */
import type { LensResult } from '../../src/protocol/panel';
import type { ViewToken } from '../../src/protocol/trace';
import { toCss } from '../../src/panelData/colorScale';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { paintBytes, sizeCanvas, toBytes } from '../shared/heatmap';
import type { Theme } from '../shared/theme';
import { displayText, formatProb } from '../shared/tokenText';

interface Geometry {
  left: number;
  top: number;
  cellW: number;
  cellH: number;
}

export class LensView {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly readout: HTMLElement;
  private readonly offscreen = document.createElement('canvas');
  private lens?: LensResult;
  private bytes?: Uint8Array;
  private tokens: ViewToken[] = [];
  private theme?: Theme;
  private geometry?: Geometry;
  private query = -1;

  constructor(private readonly onQuery: (query: number) => void) {
    this.canvas = el('canvas', {
      className: 'lens-canvas',
      attrs: { role: 'img', 'aria-label': t('lens.aria') },
    });
    this.readout = el('div', { className: 'readout', attrs: { 'aria-live': 'polite' } });
    this.element = el('div', { className: 'lens-view' }, el('div', { className: 'head-scroll' }, this.canvas), this.readout);
    this.canvas.addEventListener('mousemove', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      if (cell) this.describe(cell.layer, cell.position);
    });
    this.canvas.addEventListener('mouseleave', () => this.describeQuery());
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      if (cell && this.lens) this.onQuery(this.lens.positions[cell.position]);
    });
  }

  set(lens: LensResult, tokens: ViewToken[], theme: Theme, lut: Uint8ClampedArray, query: number): void {
    this.lens = lens;
    this.tokens = tokens;
    this.bytes = toBytes(lens.topProbs);
    this.query = query;
    this.repaint(theme, lut);
    this.describeQuery();
  }

  repaint(theme: Theme, lut: Uint8ClampedArray): void {
    const lens = this.lens;
    if (!lens || !this.bytes) return;
    this.theme = theme;
    paintBytes(this.offscreen, this.bytes, lens.layers.length, lens.positions.length, lut);
    this.draw();
  }

  setQuery(query: number): void {
    this.query = query;
    this.draw();
    this.describeQuery();
  }

  private draw(): void {
    const lens = this.lens;
    const t = this.theme;
    const ctx = this.canvas.getContext('2d');
    if (!lens || !t || !ctx) return;
    const L = lens.layers.length;
    const P = lens.positions.length;
    const fontSize = Math.max(9, t.fontSize - 2);
    const width = Math.max(320, this.element.clientWidth || 600);
    const left = 44;
    const top = 6;
    const cellW = Math.max(4, Math.min(40, Math.floor((width - left - 8) / Math.max(1, P))));
    const cellH = Math.max(10, Math.min(24, Math.floor(240 / Math.max(1, L))));
    const w = left + P * cellW + 8;
    const h = top + L * cellH + fontSize + 10;
    this.geometry = { left, top, cellW, cellH };
    sizeCanvas(this.canvas, ctx, w, h, toCss(t.background));
    ctx.drawImage(this.offscreen, left, top, P * cellW, L * cellH);
    ctx.font = `${fontSize}px ${t.monoFamily}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.fillStyle = toCss(t.muted);
    const rowStride = Math.ceil((fontSize + 2) / cellH);
    lens.layers.forEach((layer, l) => {
      if (l % rowStride === 0 || l === L - 1) ctx.fillText(`L${layer}`, left - 4, top + (l + 0.5) * cellH);
    });
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const colStride = Math.ceil((fontSize * 2.5) / cellW);
    for (let p = 0; p < P; p++) {
      const selected = lens.positions[p] === this.query;
      if (p % colStride && !selected) continue;
      ctx.fillStyle = toCss(selected ? t.focus : t.muted);
      ctx.fillText(String(lens.positions[p]), left + (p + 0.5) * cellW, top + L * cellH + 3);
    }
    // Where the model decides: the decision layer of each position, outlined.
    ctx.strokeStyle = toCss(t.foreground, 0.6);
    ctx.lineWidth = 1;
    for (let p = 0; p < P; p++) {
      const l = lens.layers.indexOf(lens.decision[p]);
      if (l >= 0) ctx.strokeRect(left + p * cellW + 0.5, top + l * cellH + 0.5, cellW - 1, cellH - 1);
    }
    const q = lens.positions.indexOf(this.query);
    if (q >= 0) {
      ctx.strokeStyle = toCss(t.focus);
      ctx.lineWidth = 2;
      ctx.strokeRect(left + q * cellW - 1, top - 1, cellW + 2, L * cellH + 2);
    }
  }

  private cellAt(x: number, y: number): { layer: number; position: number } | undefined {
    const g = this.geometry;
    const lens = this.lens;
    if (!g || !lens) return undefined;
    const position = Math.floor((x - g.left) / g.cellW);
    const layer = Math.floor((y - g.top) / g.cellH);
    if (position < 0 || position >= lens.positions.length || layer < 0 || layer >= lens.layers.length) return undefined;
    return { layer, position };
  }

  /** The readout: the position's token, the layer, its top-1 token (as text) and probability. */
  private describe(l: number, p: number): void {
    const lens = this.lens;
    if (!lens) return;
    const P = lens.positions.length;
    const pos = lens.positions[p];
    const token = this.tokens[pos];
    const top = { text: lens.topTexts[l * P + p] ?? '' };
    this.readout.textContent = `Layer ${lens.layers[l]} at ${pos} “${token ? displayText(token) : '?'}” → top-1 “${displayText(top)}”: ${formatProb(lens.topProbs[l * P + p])}`;
  }

  /** Without a pointer: the selected query's last layer, or a hint. */
  private describeQuery(): void {
    const lens = this.lens;
    if (!lens) return;
    const p = lens.positions.indexOf(this.query);
    if (p >= 0) this.describe(lens.layers.length - 1, p);
    else this.readout.textContent = t('lens.hint');
  }
}
