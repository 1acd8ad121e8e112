/**
 * The original and the rerun side by side: the first generated token that changed, each step's change in the
 * probability of the original's token (Chart.js bars), and how much each layer and head changed where it looks
 * (Jensen–Shannon divergence, a layer × head heatmap per kind). Chart.js draws labels on canvas; the rest is text.
 */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import type { InspectorComparison, KindDivergence, InspectorRun } from '../../src/protocol/inspector';
import { mix, probToByte, toCss } from '../../src/panelData/colorScale';
import { displayText, formatProb } from '../shared/tokenText';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { paintBytes } from '../shared/heatmap';
import type { Theme } from '../shared/theme';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

/** A probability change this large (half a percentage point) counts as "moved" in the chart's note. */
const MOVED = 0.005;

export class CompareView {
  readonly element: HTMLElement;
  private readonly first = el('p', { className: 'first-changed' });
  private readonly runs = el('div', { className: 'side-by-side' });
  private readonly chartCanvas = el('canvas', { attrs: { role: 'img', 'aria-label': t('rerun.chartAria') } });
  private readonly chartNote = el('p', { className: 'chart-note muted' });
  private readonly heatmaps = el('div', { className: 'jsd-maps' });
  private chart?: Chart;

  constructor() {
    this.element = el(
      'section',
      { className: 'compare' },
      el('h2', {}, t('rerun.title')),
      this.first,
      this.runs,
      el('h3', {}, t('rerun.probTitle')),
      el('div', { className: 'chart-box' }, this.chartCanvas),
      this.chartNote,
      el('h3', {}, t('rerun.jsdTitle')),
      this.heatmaps,
    );
  }

  update(c: InspectorComparison, a: InspectorRun, b: InspectorRun, theme: Theme, lut: Uint8ClampedArray): void {
    this.first.textContent = c.firstChanged
      ? t('rerun.firstChanged', c.firstChanged.step + 1, displayText({ text: c.firstChanged.a }), displayText({ text: c.firstChanged.b }))
      : t('rerun.noChange');
    this.first.classList.toggle('changed', c.firstChanged !== null);
    this.runs.replaceChildren(runText(t('rerun.original'), a), runText(b.label, b));
    this.drawChart(c, theme);
    this.heatmaps.replaceChildren(...c.divergence.map((d) => heatmap(d, lut)));
  }

  private drawChart(c: InspectorComparison, theme: Theme): void {
    const steps = c.steps.filter((s) => s.a && s.b);
    const biggest = Math.max(0.1, ...steps.map((s) => Math.abs(s.delta)));
    const colour = (s: (typeof steps)[number]) => {
      const base = s.delta < 0 ? theme.palette[4] : theme.palette[2];
      return toCss(s.afterChange ? mix(base, theme.background, 0.6) : base);
    };
    Chart.defaults.color = toCss(theme.foreground);
    Chart.defaults.borderColor = toCss(theme.border);
    Chart.defaults.font.family = theme.fontFamily;
    this.chart?.destroy();
    this.chart = new Chart(this.chartCanvas, {
      type: 'bar',
      data: {
        labels: steps.map((s) => `${s.step + 1} ${short(displayText(s.a!))}`),
        datasets: [{ data: steps.map((s) => s.delta), backgroundColor: steps.map(colour), borderWidth: 0 }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          y: { min: -biggest, max: biggest, ticks: { callback: (v) => `${Math.round(Number(v) * 100)}%` } },
          x: { ticks: { font: { family: theme.monoFamily } } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx) => {
                const s = steps[ctx.dataIndex];
                const after = s.bound ? `≤ ${formatProb(s.a!.prob + s.delta)}` : formatProb(s.a!.prob + s.delta);
                return `${t('rerun.tooltip', displayText(s.a!), formatProb(s.a!.prob), after)}${s.a!.id !== s.b!.id ? ` ${t('rerun.tooltipChose', displayText(s.b!))}` : ''}`;
              },
            },
          },
        },
      },
    });
    const moved = steps.filter((s) => Math.abs(s.delta) >= MOVED).length;
    this.chartNote.textContent = `${t('rerun.chartNote', moved, steps.length, MOVED * 100)}${steps.some((s) => s.bound) ? ` ${t('rerun.chartNoteBound')}` : ''}`;
  }
}

function runText(label: string, run: InspectorRun): HTMLElement {
  return el(
    'div',
    { className: 'run-text' },
    el('span', { className: 'run-label' }, label),
    el('span', { className: 'run-generated' }, run.generatedText || t('rerun.nothingGenerated')),
  );
}

/** A layer × head heatmap of mean JSD (√ colour scale, 0 to 1 bit), summarised in words. */
function heatmap(d: KindDivergence, lut: Uint8ClampedArray): HTMLElement {
  const bytes = Uint8Array.from(d.mean, (v) => probToByte(Number.isFinite(v) ? v : 0));
  const canvas = el('canvas', { className: 'jsd-canvas', attrs: { role: 'img' } });
  paintBytes(canvas, bytes, d.layers.length, d.heads, lut);
  const cell = Math.max(14, Math.min(28, Math.floor(220 / Math.max(d.heads, 1))));
  canvas.style.width = `${d.heads * cell}px`;
  canvas.style.height = `${d.layers.length * cell}px`;
  let worst = { v: 0, l: 0, h: 0 };
  d.mean.forEach((v, i) => v > worst.v && (worst = { v, l: d.layers[Math.floor(i / d.heads)], h: i % d.heads }));
  const summary = worst.v > 0 ? t('rerun.jsdLargest', worst.l, worst.h, worst.v.toFixed(3), d.rows) : t('rerun.jsdZero', d.rows);
  canvas.setAttribute('aria-label', `${t('rerun.jsdAria', t(`kindInline.${d.kind}`))} ${summary}`);
  canvas.dataset.max = String(Math.max(0, ...Array.from(d.max).filter(Number.isFinite)));
  canvas.title = summary;
  const rows = el('div', { className: 'jsd-rows' }, ...d.layers.map((l) => el('span', {}, `L${l}`)));
  rows.style.gridAutoRows = `${cell}px`;
  const heads = el(
    'div',
    { className: 'jsd-heads', attrs: { 'aria-hidden': 'true' } },
    ...Array.from({ length: d.heads }, (_, i) => el('span', {}, `h${i}`)),
  );
  heads.style.gridTemplateColumns = `repeat(${d.heads}, ${cell}px)`;
  return el(
    'figure',
    { className: 'jsd' },
    el('figcaption', {}, t(`kindInline.${d.kind}`)),
    el('div', { className: 'jsd-body' }, el('span'), heads, rows, canvas),
    el('p', { className: 'muted jsd-summary' }, summary),
    el(
      'div',
      { className: 'jsd-legend', attrs: { 'aria-hidden': 'true' } },
      el('span', {}, '0'),
      legendBar(lut),
      el('span', {}, t('rerun.oneBit')),
    ),
  );
}

function legendBar(lut: Uint8ClampedArray): HTMLElement {
  const canvas = el('canvas', { className: 'legend-bar' });
  paintBytes(
    canvas,
    Uint8Array.from({ length: 64 }, (_, i) => Math.round((i / 63) * 255)),
    1,
    64,
    lut,
  );
  return canvas;
}

const short = (text: string) => (text.length > 10 ? `${text.slice(0, 9)}…` : text);
