/**
 * The mask a fused kernel applies inside itself (GroupQueryAttention, com.microsoft Attention, ONNX Attention
 * is_causal), as the op's inputs and attributes imply it: "Implied by <op> (<node>)", drawn beside the observed
 * mask (the grid above, whose hidden cells are where every head's probability is exactly zero), with a legend and
 * one plain line saying whether they agree or where they differ. Node names and tokens are set as text.
 */
import type { InspectorGrid, InspectorImplied } from '../../src/protocol/inspector';
import type { ViewToken } from '../../src/protocol/trace';
import { toCss } from '../../src/panelData/colorScale';
import { el } from '../shared/dom';
import { hatchMasked, invert, paintBytes, sizeCanvas } from '../shared/heatmap';
import { t, tn } from '../shared/strings';
import type { Theme } from '../shared/theme';
import { displayText } from '../shared/tokenText';

/** Differing cells named in the line (the count has them all). */
const NAMED = 3;

export class ImpliedGrid {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly title = el('h3', { className: 'implied-title' });
  private readonly detail = el('p', { className: 'implied-detail muted' });
  private readonly line = el('p', { className: 'implied-summary' });
  private readonly off = document.createElement('canvas');

  constructor() {
    this.canvas = el('canvas', { className: 'implied-canvas', attrs: { role: 'img' } });
    this.element = el('section', { className: 'implied' }, this.title, this.detail, this.canvas, legend(), this.line);
    this.element.hidden = true;
  }

  /** `align`: the observed grid's left edge and cell size, so the two line up column by column. */
  update(
    grid: InspectorGrid | undefined,
    queryTokens: ViewToken[],
    keyTokens: ViewToken[],
    theme: Theme,
    lut: Uint8ClampedArray,
    align?: { left: number; cell: number },
  ): void {
    const implied = grid?.implied;
    this.element.hidden = !grid || !implied;
    if (!grid || !implied) return;
    this.title.textContent = t('inspector.implied.title', implied.op, implied.node);
    this.detail.textContent = t('inspector.implied.detail', implied.detail || implied.op);
    this.canvas.setAttribute('aria-label', t('inspector.implied.aria', implied.op, grid.queries, grid.keys));
    this.paint(grid, implied, theme, lut, align);
    this.line.textContent = [summary(grid, implied, queryTokens, keyTokens), zeroNote(implied)].filter(Boolean).join(' ');
  }

  private paint(
    grid: InspectorGrid,
    implied: InspectorImplied,
    theme: Theme,
    lut: Uint8ClampedArray,
    align?: { left: number; cell: number },
  ): void {
    const { rows, cols } = grid;
    const width = Math.max(160, this.element.clientWidth || 300);
    const cell = align?.cell ?? Math.max(2, Math.min(22, Math.floor(width / cols)));
    const left = align?.left ?? 0;
    const ctx = this.canvas.getContext('2d')!;
    sizeCanvas(this.canvas, ctx, left + cols * cell, rows * cell, toCss(theme.background));
    ctx.translate(left, 0);
    const hidden = invert(implied.visible);
    paintBytes(
      this.off,
      implied.visible.map((v) => (v ? 160 : 0)),
      rows,
      cols,
      lut,
      hidden,
      theme.masked,
    );
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.off, 0, 0, cols * cell, rows * cell);
    hatchMasked(ctx, hidden, rows, cols, 0, 0, cell, toCss(theme.muted, 0.55));
    ctx.strokeStyle = ctx.fillStyle = toCss(theme.palette[4]);
    ctx.lineWidth = cell >= 8 ? 2 : 1;
    for (let i = 0; i < implied.differs.length; i++) {
      if (!implied.differs[i]) continue;
      const [r, c] = [Math.floor(i / cols), i % cols];
      if (cell >= 6) ctx.strokeRect(c * cell + 1, r * cell + 1, cell - 2, cell - 2);
      else ctx.fillRect(c * cell, r * cell, cell, cell);
    }
    this.canvas.dataset.differs = String(implied.differing);
  }
}

/** "They agree on all N cells" or "They differ on K cells: query 5 “x” → key 1 “y”: implied hidden, observed visible; …". */
function summary(grid: InspectorGrid, implied: InspectorImplied, queryTokens: ViewToken[], keyTokens: ViewToken[]): string {
  if (!implied.observed) return t('inspector.implied.noObserved');
  if (!implied.differing) return t('inspector.implied.agree', grid.queries * grid.keys);
  const name = (tokens: ViewToken[], j: number) => `${j} “${tokens[j] ? displayText(tokens[j]) : '?'}”`;
  const named: string[] = [];
  for (let i = 0; i < implied.differs.length && named.length < NAMED; i++) {
    if (!implied.differs[i]) continue;
    // A downsampled block is named by its first cell.
    const q = grid.q0 + Math.floor(i / grid.cols) * grid.qStep;
    const k = grid.k0 + (i % grid.cols) * grid.kStep;
    const word = (v: number) => t(v ? 'grid.visible' : 'grid.hidden');
    named.push(t('inspector.implied.cell', name(queryTokens, q), name(keyTokens, k), word(implied.visible[i]), word(implied.observed[i])));
  }
  const more = implied.differing > named.length ? '; …' : '';
  return tn(implied.differing, 'inspector.implied.differ.one', 'inspector.implied.differ.other', `${named.join('; ')}${more}`);
}

function zeroNote(implied: InspectorImplied): string {
  return implied.zeroBelow > 0 ? t('inspector.implied.zeroBelow', implied.zeroBelow.toPrecision(2)) : '';
}

function legend(): HTMLElement {
  const item = (cls: string, text: string) =>
    el('span', { className: 'legend-item' }, el('span', { className: `swatch ${cls}`, attrs: { 'aria-hidden': 'true' } }), text);
  return el(
    'p',
    { className: 'grid-legend implied-legend' },
    item('visible', t('inspector.implied.legend.visible')),
    item('hidden', t('inspector.implied.legend.hidden')),
    item('differs', t('inspector.implied.legend.differs')),
  );
}
