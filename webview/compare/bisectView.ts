/**
 * The compare view's bisect section: the offer to run the layer bisector (two models compared), then its verdict
 * in large type, a Chart.js chart of residual error, attention divergence and lens Δp per layer, and a table of
 * the same numbers with what splicing A's residual into B after each layer did. Token text only becomes text.
 */
import type { BisectReport, CompareOpenResult } from '../../src/protocol/compare';
import { mix, toCss } from '../../src/panelData/colorScale';
import { baseOptions, ChartBox, lineSeries } from '../shared/chartBox';
import { actionButton } from '../shared/controls';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import type { Theme } from '../shared/theme';
import { bisectSeries, bisectVerdict, fixed4, splicedText } from './bisectModel';

interface TooltipContext {
  raw: unknown;
  dataset: { label?: string };
}

export class BisectChart extends ChartBox {
  constructor() {
    super(t('compare.bisect.chartTitle'), 'bisect-chart');
  }

  update(r: BisectReport, theme: Theme): void {
    const s = bisectSeries(r);
    const lensTop = Math.max(0.05, ...s.lensDelta.map((d) => Math.abs(d ?? 0)));
    this.render(
      {
        type: 'bar',
        data: {
          labels: s.layers.map((l) => `L${l}`),
          datasets: [
            {
              type: 'bar',
              label: t('compare.bisect.seriesResidual'),
              data: s.residual,
              // The first restoring layer in full colour, the others faded.
              backgroundColor: s.layers.map((l) => toCss(mix(theme.palette[4], theme.background, l === r.restoredAfter ? 0 : 0.45))),
              borderWidth: 0,
              yAxisID: 'y',
              order: 2,
            },
            { type: 'line', ...lineSeries(t('compare.bisect.seriesJsd'), s.jsd, theme.palette[0]), yAxisID: 'y', order: 0 },
            {
              type: 'line',
              ...lineSeries(t('compare.bisect.seriesLens'), s.lensDelta, theme.palette[1]),
              borderDash: [5, 3],
              yAxisID: 'y1',
              order: 1,
            },
          ] as never,
        },
        options: baseOptions(theme, {
          scales: {
            y: { position: 'left', min: 0, suggestedMax: 0.05 },
            y1: {
              position: 'right',
              min: -lensTop,
              max: lensTop,
              grid: { drawOnChartArea: false },
              title: { display: true, text: 'Δp' },
            },
          },
          plugins: {
            legend: { display: true, position: 'bottom', labels: { boxWidth: 10 } },
            tooltip: {
              callbacks: { label: (c: TooltipContext) => `${c.dataset.label}: ${c.raw === null ? '–' : fixed4(Number(c.raw))}` },
            },
          },
        }),
      },
      theme,
    );
    this.setNote(r.lensUnavailable ? t('compare.bisect.noLens', r.lensUnavailable) : '');
  }
}

export class BisectSection {
  readonly element = el('section', { className: 'bisect-section' });
  private readonly chart = new BisectChart();
  private readonly status = el('p', { className: 'bisect-status', attrs: { 'aria-live': 'polite' } });

  constructor(private readonly run: () => void) {}

  /** Whether the section shows anything for this comparison: a report, or two models to bisect (not standalone). */
  static shown(open: CompareOpenResult, standalone: boolean): boolean {
    return !!open.bisect || (!!open.models && !standalone);
  }

  update(open: CompareOpenResult, theme: Theme, standalone: boolean): void {
    this.status.textContent = '';
    this.status.classList.remove('error');
    const r = open.bisect;
    const head = el('div', { className: 'bisect-head' }, el('h2', {}, t('compare.bisect.title')));
    if (open.models && !standalone) head.append(actionButton('debug-step-over', t('compare.bisect.run'), this.run, 'bisect-run'));
    if (!r) {
      this.element.replaceChildren(head, el('p', { className: 'chart-note muted bisect-offer' }, t('compare.bisect.offer')), this.status);
      return;
    }
    const verdict = el('p', { className: 'bisect-verdict', attrs: { role: 'status' } }, bisectVerdict(r));
    verdict.classList.toggle('restored', r.restoredAfter !== null);
    const note = el('p', { className: 'chart-note muted' }, t('compare.bisect.note', r.tokens.length, r.tolerance));
    this.element.replaceChildren(head, verdict, note, this.status, el('div', { className: 'charts' }, this.chart.element), table(r));
    this.chart.update(r, theme);
  }

  /** Repaints the chart in a new theme. */
  repaint(open: CompareOpenResult, theme: Theme): void {
    if (open.bisect) this.chart.update(open.bisect, theme);
  }

  setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }
}

function table(r: BisectReport): HTMLElement {
  const th = (text: string) => el('th', { attrs: { scope: 'col' } }, text);
  const rows = r.layers.map((l) => {
    const first = l.layer === r.restoredAfter;
    const row = el(
      'tr',
      { className: first ? 'restores-first' : l.restores ? 'restores' : '', dataset: { layer: String(l.layer) } },
      el('th', { attrs: { scope: 'row' } }, `L${l.layer}`),
      numberCell(l.residualError, 'residual'),
      numberCell(l.attentionJsd, 'jsd'),
      numberCell(l.lensDelta, 'lens'),
      el('td', { className: 'spliced' }, splicedText(r, l)),
    );
    if (first) row.lastElementChild!.append(el('span', { className: 'first-restoring' }, ` · ${t('compare.bisect.first')}`));
    return row;
  });
  return el(
    'div',
    { className: 'bisect-scroll' },
    el(
      'table',
      { className: 'bisect-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          th(t('compare.bisect.colLayer')),
          th(t('compare.bisect.colResidual')),
          th(t('compare.bisect.colJsd')),
          th(t('compare.bisect.colLens')),
          th(t('compare.bisect.colSpliced')),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
  );
}

/** The value shown with four decimals; the exact number in data-value (for tests and copying). */
function numberCell(v: number | null, what: string): HTMLElement {
  return el('td', { className: `num ${what}`, dataset: { value: v === null ? '' : String(v) } }, fixed4(v));
}
