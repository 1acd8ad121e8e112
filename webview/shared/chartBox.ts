/**
 * A titled Chart.js chart with a note line, themed from the editor's colours: the base of every chart in the
 * panel and the compare view. Chart.js draws labels on canvas, so token text never becomes markup.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
  type ChartConfiguration,
} from 'chart.js';
import { toCss, type Rgba } from '../../src/panelData/colorScale';
import { el } from './dom';
import type { Theme } from './theme';

// What the bar and line charts of every view need (Chart.js is tree-shaken: nothing is registered by default).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

export abstract class ChartBox {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  protected chart?: Chart;
  private readonly note: HTMLElement;

  constructor(title: string, className: string) {
    this.canvas = el('canvas', { attrs: { role: 'img', 'aria-label': title } });
    this.note = el('p', { className: 'chart-note muted' });
    this.element = el(
      'section',
      { className: `chart ${className}` },
      el('h3', {}, title),
      el('div', { className: 'chart-box' }, this.canvas),
      this.note,
    );
  }

  protected render(config: ChartConfiguration, theme: Theme): void {
    applyTheme(theme);
    this.setNote('');
    if (this.chart && (this.chart.config as { type?: string }).type === (config as { type?: string }).type) {
      this.chart.data = config.data;
      this.chart.options = config.options ?? {};
      this.chart.update('none');
    } else {
      this.chart?.destroy();
      this.chart = new Chart(this.canvas, config);
    }
  }

  setNote(text: string): void {
    this.note.textContent = text;
    this.element.classList.toggle('empty', text !== '' && !this.chart);
  }

  /** Shows a message instead of a chart. */
  clear(message: string): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.setNote(message);
  }
}

function applyTheme(theme: Theme): void {
  Chart.defaults.color = toCss(theme.foreground);
  Chart.defaults.borderColor = toCss(theme.border);
  Chart.defaults.font.family = theme.fontFamily;
  Chart.defaults.font.size = Math.max(10, theme.fontSize - 1);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function baseOptions(theme: Theme, extra: Record<string, any>): any {
  return { animation: false, responsive: true, maintainAspectRatio: false, color: toCss(theme.foreground), ...extra };
}

/** A line series in one colour, the way every chart draws its lines (null: no value at that point). */
export function lineSeries(label: string, data: (number | null)[], color: Rgba) {
  return { label, data, borderColor: toCss(color), backgroundColor: toCss(color), borderWidth: 2, pointRadius: 3 };
}
