/**
 * One layer's effective mask as a grid, queries down and keys across, tokens on both axes: hidden cells in the
 * masked colour and hatched, visible cells tinted by the attention they got, cells where the mask differs from
 * what it should be outlined in red, the picked finding's cells in the focus colour, the diagonal dashed for
 * causal attention. Hover or arrow keys read a cell out in words. Token text is drawn on canvas or set as text.
 */
import type { InspectorGrid } from '../../src/protocol/inspector';
import type { ViewToken } from '../../src/protocol/trace';
import { toCss } from '../../src/panelData/colorScale';
import { displayText } from '../shared/tokenText';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { hatchMasked, paintBytes, sizeCanvas } from '../shared/heatmap';
import type { Theme } from '../shared/theme';

export interface GridInput {
  grid: InspectorGrid;
  queryTokens: ViewToken[];
  keyTokens: ViewToken[];
  causal: boolean;
  highlight: [number, number][];
  theme: Theme;
  lut: Uint8ClampedArray;
}

interface Layout {
  left: number;
  top: number;
  cell: number;
  rows: number;
  cols: number;
}

/** 1 where the layer's mask differs from what it should be (or, without a captured mask, where it reads a hidden key). */
export function differences(grid: InspectorGrid): Uint8Array {
  return grid.differs;
}

/** A cell of the whole grid as a cell of the grid sent (downsampled or a block of it), or undefined outside it. */
export function sentCell(grid: InspectorGrid, q: number, k: number): [number, number] | undefined {
  const r = Math.floor((q - grid.q0) / grid.qStep);
  const c = Math.floor((k - grid.k0) / grid.kStep);
  return q >= grid.q0 && k >= grid.k0 && r < grid.rows && c < grid.cols ? [r, c] : undefined;
}

/** The grid sent is not the whole grid at full resolution. */
export const isPartial = (g: InspectorGrid): boolean => g.qStep > 1 || g.kStep > 1 || g.rows < g.queries || g.cols < g.keys;

export class MaskGrid {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly readout = el('p', { className: 'readout', attrs: { 'aria-live': 'polite' } });
  private readonly off = document.createElement('canvas');
  private input?: GridInput;
  private layout?: Layout;
  private cursor = { q: 0, k: 0 };

  /** Where the cells are drawn (the implied grid below lines up with it). */
  get cells(): { left: number; cell: number } | undefined {
    return this.layout && { left: this.layout.left, cell: this.layout.cell };
  }

  /** `zoom`: a click on a downsampled grid asks for that place at full resolution (query and key of the whole grid). */
  constructor(private readonly zoom: (q: number, k: number) => void = () => undefined) {
    this.canvas = el('canvas', { className: 'mask-canvas', attrs: { tabindex: '0', role: 'img' } });
    this.element = el('div', { className: 'mask-grid' }, this.canvas, this.readout);
    this.canvas.addEventListener('mousemove', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      if (cell) this.moveTo(cell.q, cell.k);
    });
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      const g = this.input?.grid;
      if (cell && g && (g.qStep > 1 || g.kStep > 1)) this.zoom(g.q0 + cell.q * g.qStep, g.k0 + cell.k * g.kStep);
    });
    this.canvas.addEventListener('keydown', (e) => {
      const g = this.input?.grid;
      if (e.key === 'Enter' && g && (g.qStep > 1 || g.kStep > 1)) {
        e.preventDefault();
        this.zoom(g.q0 + this.cursor.q * g.qStep, g.k0 + this.cursor.k * g.kStep);
        return;
      }
      const d: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (!d[e.key] || !this.input) return;
      e.preventDefault();
      this.moveTo(this.cursor.q + d[e.key][0], this.cursor.k + d[e.key][1]);
    });
    this.canvas.addEventListener('focus', () => this.redraw());
    this.canvas.addEventListener('blur', () => this.redraw());
  }

  draw(input: GridInput): void {
    this.input = input;
    const { grid } = input;
    this.cursor = { q: Math.min(this.cursor.q, grid.rows - 1), k: Math.min(this.cursor.k, grid.cols - 1) };
    const first = input.highlight[0];
    if (first) this.cursor = { q: first[0], k: first[1] };
    this.canvas.setAttribute('aria-label', t('grid.aria', t(`kindInline.${grid.kind}`), grid.layer, grid.queries, grid.keys));
    this.redraw();
    this.describe();
  }

  private redraw(): void {
    const input = this.input;
    if (!input) return;
    const { grid, theme } = input;
    const rows = grid.rows;
    const cols = grid.cols;
    const width = Math.max(160, this.element.clientWidth || 300);
    // Token labels only where each cell is one token.
    const labelled = (width - 70) / cols >= 9 && grid.qStep === 1 && grid.kStep === 1;
    const left = labelled ? 70 : 0;
    const top = labelled ? 56 : 0;
    const cell = Math.max(2, Math.min(22, Math.floor((width - left - (labelled ? 24 : 0)) / cols)));
    const layout = (this.layout = { left, top, cell, rows, cols });
    this.canvas.dataset.layout = JSON.stringify(layout);
    // Room on the right for the last rotated key label.
    const cssW = left + cols * cell + (labelled ? 24 : 0);
    const cssH = top + rows * cell;
    const ctx = this.canvas.getContext('2d')!;
    sizeCanvas(this.canvas, ctx, cssW, cssH, toCss(theme.background));
    // Without a captured mask, a fused op's layer shows its observed mask: the cells every head gives exactly zero.
    const seen = grid.applied ?? grid.implied?.observed;
    const hidden = seen ? seen.map((v) => (v ? 0 : 1)) : undefined;
    paintBytes(this.off, grid.weight, rows, cols, input.lut, hidden, theme.masked);
    ctx.drawImage(this.off, left, top, cols * cell, rows * cell);
    if (hidden) hatchMasked(ctx, hidden, rows, cols, left, top, cell, toCss(theme.muted, 0.55));
    if (input.causal) {
      ctx.strokeStyle = toCss(theme.muted);
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(left, top);
      ctx.lineTo(left + Math.min(rows, cols) * cell, top + Math.min(rows, cols) * cell);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    const diff = grid.differs;
    this.outline(
      ctx,
      [...diff.keys()].filter((i) => diff[i]).map((i) => [Math.floor(i / cols), i % cols]),
      toCss(theme.palette[4]),
    );
    this.outline(ctx, input.highlight, toCss(theme.focus));
    if (labelled) this.labels(ctx, layout, input);
    if (document.activeElement === this.canvas) {
      ctx.strokeStyle = toCss(theme.foreground);
      ctx.lineWidth = 1;
      ctx.strokeRect(left + this.cursor.k * cell + 0.5, top + this.cursor.q * cell + 0.5, cell - 1, cell - 1);
    }
  }

  private outline(ctx: CanvasRenderingContext2D, cells: [number, number][], color: string): void {
    const l = this.layout!;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = l.cell >= 8 ? 2 : 1;
    for (const [q, k] of cells) {
      if (l.cell >= 6) ctx.strokeRect(l.left + k * l.cell + 1, l.top + q * l.cell + 1, l.cell - 2, l.cell - 2);
      else ctx.fillRect(l.left + k * l.cell, l.top + q * l.cell, l.cell, l.cell);
    }
  }

  private labels(ctx: CanvasRenderingContext2D, l: Layout, input: GridInput): void {
    const size = Math.max(9, Math.min(11, l.cell - 2));
    ctx.font = `${size}px ${input.theme.monoFamily}`;
    ctx.fillStyle = toCss(input.theme.foreground);
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    const { q0, k0 } = input.grid;
    input.queryTokens
      .slice(q0, q0 + l.rows)
      .forEach((t, q) => ctx.fillText(short(displayText(t), 8), l.left - 4, l.top + (q + 0.5) * l.cell, l.left - 6));
    ctx.textAlign = 'left';
    input.keyTokens.slice(k0, k0 + l.cols).forEach((t, k) => {
      ctx.save();
      ctx.translate(l.left + (k + 0.5) * l.cell, l.top - 4);
      ctx.rotate(-Math.PI / 3);
      ctx.fillText(short(displayText(t), 8), 0, 0, l.top);
      ctx.restore();
    });
  }

  private cellAt(x: number, y: number): { q: number; k: number } | undefined {
    const l = this.layout;
    if (!l) return undefined;
    const q = Math.floor((y - l.top) / l.cell);
    const k = Math.floor((x - l.left) / l.cell);
    return q >= 0 && q < l.rows && k >= 0 && k < l.cols ? { q, k } : undefined;
  }

  private moveTo(q: number, k: number): void {
    const g = this.input?.grid;
    if (!g) return;
    this.cursor = { q: Math.max(0, Math.min(g.rows - 1, q)), k: Math.max(0, Math.min(g.cols - 1, k)) };
    this.redraw();
    this.describe();
  }

  /** The cell under the cursor, in words. */
  private describe(): void {
    const input = this.input;
    if (!input) return;
    const { grid } = input;
    const i = this.cursor.q * grid.cols + this.cursor.k;
    // A downsampled cell is read out by its block's first query and key.
    const q = grid.q0 + this.cursor.q * grid.qStep;
    const k = grid.k0 + this.cursor.k * grid.kStep;
    const name = (tokens: ViewToken[], j: number) => `${j} “${tokens[j] ? displayText(tokens[j]) : '?'}”`;
    const applied = grid.applied ? t(grid.applied[i] ? 'grid.visible' : 'grid.hidden') : t('grid.noMask');
    const expected = t(grid.expected[i] ? 'grid.visible' : 'grid.hidden');
    const verdict = grid.applied && grid.applied[i] !== grid.expected[i] ? ` ${t('grid.shouldBe', expected)}` : '';
    const weight = (grid.weight[i] / 255) ** 2;
    this.readout.textContent = `${t('grid.readout', name(input.queryTokens, q), name(input.keyTokens, k), `${applied}${verdict}`)} · ${weight >= 0.001 ? t('grid.attentionUpTo', (weight * 100).toFixed(1)) : t(weight > 0 ? 'grid.attentionUnder' : 'grid.noAttention')}`;
  }
}

function short(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
