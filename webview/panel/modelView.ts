/**
 * The model view: every layer × head of one kind as a small heatmap (host-made thumbnails painted through
 * ImageData). Click or Enter opens a head large; arrow keys move through layers (↑↓) and heads (←→).
 */
import type { HeadChoice, ThumbnailResult } from '../../src/protocol/panel';
import type { AttentionKind } from '../../src/protocol/trace';
import type { HeadSelection } from './headSelection';
import type { Theme } from '../shared/theme';
import { el, setVar } from '../shared/dom';
import { t } from '../shared/strings';
import { paintBytes } from '../shared/heatmap';
import { thumbSide } from './layout';

export class ModelView {
  readonly element: HTMLElement;
  private readonly grid: HTMLElement;
  private thumbs?: ThumbnailResult;
  private cells: (HTMLCanvasElement | null)[][] = [];
  /** Milliseconds the last paint took (for the benchmark and the status line). */
  lastPaintMs = 0;
  private focused: { kind: AttentionKind; layer: number; head: HeadChoice } = { kind: 'self', layer: 0, head: 0 };

  constructor(
    private readonly onPick: (layer: number, head: HeadChoice) => void,
    private readonly onMove: (dLayer: number, dHead: number) => void,
    /** Heads chosen for ablation (absent in the HTML report, which cannot rerun). */
    private readonly chosen?: HeadSelection,
  ) {
    this.grid = el('div', {
      className: 'grid',
      attrs: { role: 'grid', tabindex: '0', 'aria-label': t('model.aria') },
    });
    this.grid.addEventListener('click', (e) => {
      const cell = (e.target as HTMLElement).closest<HTMLElement>('[data-layer]');
      if (!cell) return;
      const layer = Number(cell.dataset.layer);
      const head = cell.dataset.head === 'mean' ? 'mean' : Number(cell.dataset.head);
      if (this.chosen && head !== 'mean' && (e.ctrlKey || e.metaKey || e.shiftKey)) this.chosen.toggle(this.focused.kind, layer, head);
      else this.onPick(layer, head);
    });
    this.grid.addEventListener('keydown', (e) => {
      const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (moves[e.key]) {
        e.preventDefault();
        this.onMove(...moves[e.key]);
      } else if (e.key === ' ' && this.chosen && this.focused.head !== 'mean') {
        e.preventDefault();
        this.chosen.toggle(this.focused.kind, this.focused.layer, this.focused.head);
      }
    });
    this.element = el('div', { className: 'model-view' }, this.grid, ...(chosen ? [chosen.element] : []));
  }

  /** Builds the grid for a new set of thumbnails and paints it. */
  setThumbnails(thumbs: ThumbnailResult, theme: Theme, lut: Uint8ClampedArray, width: number): void {
    this.thumbs = thumbs;
    const side = thumbSide(width, thumbs.heads, 34, 4);
    setVar(this.grid, '--thumb', `${side}px`);
    setVar(this.grid, '--heads', String(thumbs.heads));
    const header = [
      el('span', { className: 'grid-corner' }),
      ...Array.from({ length: thumbs.heads }, (_, h) => el('span', { className: 'grid-col', attrs: { role: 'columnheader' } }, `H${h}`)),
    ];
    this.cells = [];
    const rows = thumbs.layers.map((layer, l) => {
      const stored = thumbs.headsPerLayer[l];
      const row: (HTMLCanvasElement | null)[] = [];
      const cells = Array.from({ length: thumbs.heads }, (_, h) => {
        if (h >= stored) {
          row.push(null);
          return el('span', { className: 'grid-empty', title: 'not stored (heads were averaged)' });
        }
        const head: HeadChoice = stored === 1 && thumbs.heads > 1 ? 'mean' : h;
        const canvas = el('canvas', {
          className: 'thumb',
          title: head === 'mean' ? t('model.cellMean', layer) : t('model.cell', layer, h),
          dataset: { layer: String(layer), head: String(head) },
          attrs: { role: 'gridcell' },
        });
        row.push(canvas);
        return canvas;
      });
      this.cells.push(row);
      return [el('span', { className: 'grid-row', attrs: { role: 'rowheader' } }, `L${layer}`), ...cells];
    });
    this.grid.replaceChildren(...header, ...rows.flat());
    this.paint(theme, lut);
  }

  /** Repaints with new colours (theme or scale change) without asking the host again. */
  paint(theme: Theme, lut: Uint8ClampedArray): void {
    const t = this.thumbs;
    if (!t) return;
    const started = performance.now();
    const size = t.rows * t.cols;
    this.cells.forEach((row, l) =>
      row.forEach((canvas, h) => {
        if (canvas)
          paintBytes(
            canvas,
            t.data,
            t.rows,
            t.cols,
            lut,
            t.masked.subarray(l * size, (l + 1) * size),
            theme.masked,
            (l * t.heads + h) * size,
          );
      }),
    );
    this.lastPaintMs = performance.now() - started;
    this.grid.dataset.paintMs = this.lastPaintMs.toFixed(2);
  }

  setSelection(layer: number, head: HeadChoice, kind: AttentionKind = this.focused.kind): void {
    this.focused = { kind, layer, head };
    const li = this.thumbs?.layers.indexOf(layer) ?? -1;
    this.chosen?.setCurrent(kind, layer, li >= 0 ? this.thumbs!.headsPerLayer[li] : 0);
    for (const canvas of this.grid.querySelectorAll<HTMLCanvasElement>('canvas.thumb')) {
      const onLayer = Number(canvas.dataset.layer) === layer;
      const selected = onLayer && (canvas.dataset.head === String(head) || head === 'mean');
      canvas.classList.toggle('selected', selected);
      canvas.setAttribute('aria-selected', String(selected));
    }
    this.markChosen();
  }

  /** Outlines the heads chosen for ablation. */
  markChosen(): void {
    for (const canvas of this.grid.querySelectorAll<HTMLCanvasElement>('canvas.thumb')) {
      const head = canvas.dataset.head;
      const chosen = !!this.chosen && head !== 'mean' && this.chosen.has(this.focused.kind, Number(canvas.dataset.layer), Number(head));
      canvas.classList.toggle('chosen', chosen);
    }
  }

  clear(message: string): void {
    this.thumbs = undefined;
    this.cells = [];
    this.grid.replaceChildren(el('p', { className: 'muted' }, message));
  }
}
