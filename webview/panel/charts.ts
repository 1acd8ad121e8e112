/**
 * The three Chart.js charts: top-k next-token probabilities for the selected step (bar), the attention the
 * selected query pays to its most-attended keys in every layer (stacked bar), and the entropy of that query's
 * row per layer and head (lines). Colours come from the theme and are reapplied when it changes.
 * Chart.js draws labels on canvas, so token text never becomes markup.
 */
import type { AcrossLayersResult, EntropyResult, HeadChoice, HiddenResult, LensResult, TopKResult } from '../../src/protocol/panel';
import type { ViewToken } from '../../src/protocol/trace';
import { mix, toCss } from '../../src/panelData/colorScale';
import { topIndices } from '../../src/panelData/stats';
import type { Theme } from '../shared/theme';
import { baseOptions, ChartBox, lineSeries } from '../shared/chartBox';
import { t } from '../shared/strings';
import { displayText, formatProb } from '../shared/tokenText';

/** Keys shown by name in the across-layers chart; the rest is summed as "other". */
const SHOWN_KEYS = 6;

export class TopKChart extends ChartBox {
  constructor() {
    super(t('chart.topk'), 'topk');
  }

  update(r: TopKResult, theme: Theme): void {
    const rows = r.top.some((t) => t.id === r.chosen.id) ? r.top : [...r.top, r.chosen];
    this.render(
      {
        type: 'bar',
        data: {
          labels: rows.map((t) => displayText(t) + (t.id === r.chosen.id ? '  ✓' : '')),
          datasets: [
            {
              data: rows.map((t) => t.prob),
              backgroundColor: rows.map((t) => toCss(t.id === r.chosen.id ? theme.accent : mix(theme.muted, theme.background, 0.35))),
              borderWidth: 0,
            },
          ],
        },
        options: baseOptions(theme, {
          indexAxis: 'y',
          // Up to the next tenth above the largest bar: a 4% choice still reads as a bar.
          scales: {
            x: {
              min: 0,
              max: Math.min(1, Math.ceil(Math.max(...rows.map((t) => t.prob)) * 10 + 0.5) / 10),
              ticks: { callback: (v: unknown) => `${Math.round(Number(v) * 100)}%` },
            },
            y: { ticks: { font: { family: theme.monoFamily } } },
          },
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c: TooltipContext) => formatProb(Number(c.raw)) } } },
        }),
      },
      theme,
    );
    this.setNote(t('chart.topkNote', r.step + 1, displayText(r.chosen), formatProb(r.chosen.prob)));
  }
}

export class AcrossLayersChart extends ChartBox {
  constructor() {
    super(t('chart.across'), 'across');
  }

  update(r: AcrossLayersResult, keyTokens: ViewToken[], head: HeadChoice, theme: Theme): void {
    const peak = new Float32Array(r.keys);
    for (let l = 0; l < r.layers.length; l++) for (let k = 0; k < r.keys; k++) peak[k] = Math.max(peak[k], r.data[l * r.keys + k]);
    const keys = topIndices(peak, SHOWN_KEYS).filter((k) => peak[k] > 0);
    const at = (l: number, k: number) => r.data[l * r.keys + k];
    const datasets = keys.map((k, i) => ({
      label: short(`${k} ${keyTokens[k] ? displayText(keyTokens[k]) : '?'}`),
      data: r.layers.map((_, l) => at(l, k)),
      backgroundColor: toCss(theme.palette[i % theme.palette.length]),
      borderWidth: 0,
    }));
    const other = r.layers.map((_, l) => Math.max(0, 1 - keys.reduce((sum, k) => sum + at(l, k), 0)));
    if (other.some((v) => v > 1e-4))
      datasets.push({ label: 'other keys', data: other, backgroundColor: toCss(mix(theme.muted, theme.background, 0.55)), borderWidth: 0 });
    this.render(
      {
        type: 'bar',
        data: { labels: r.layers.map((l) => `L${l}`), datasets },
        options: baseOptions(theme, {
          scales: {
            x: { stacked: true },
            y: { stacked: true, min: 0, max: 1, ticks: { callback: (v: unknown) => `${Math.round(Number(v) * 100)}%` } },
          },
          plugins: {
            legend: { display: true, position: 'bottom', labels: { boxWidth: 10, font: { family: theme.monoFamily } } },
            tooltip: { callbacks: { label: (c: TooltipContext) => `${c.dataset.label}: ${formatProb(Number(c.raw))}` } },
          },
        }),
      },
      theme,
    );
    this.setNote(head === 'mean' ? t('chart.acrossMean') : t('chart.acrossHead', head));
  }
}

export class EntropyChart extends ChartBox {
  constructor() {
    super(t('chart.entropy'), 'entropy');
  }

  update(r: EntropyResult, selectedHead: HeadChoice, theme: Theme): void {
    const labels = r.layers.map((l) => `L${l}`);
    const datasets = Array.from({ length: r.heads }, (_, h) => {
      const chosen = selectedHead === h;
      return {
        label: `head ${h}`,
        data: r.layers.map((_, l) => nullIfNaN(r.data[l * r.heads + h])),
        borderColor: toCss(chosen ? theme.accent : mix(theme.muted, theme.background, 0.4)),
        backgroundColor: toCss(chosen ? theme.accent : theme.muted),
        borderWidth: chosen ? 2.5 : 1,
        pointRadius: chosen ? 3 : 1.5,
        order: chosen ? 0 : 1,
      };
    });
    datasets.push({
      label: 'maximum (uniform over visible keys)',
      data: labels.map(() => r.maxBits),
      borderColor: toCss(theme.palette[4]),
      backgroundColor: toCss(theme.palette[4]),
      borderWidth: 1,
      pointRadius: 0,
      order: 2,
    });
    this.render(
      {
        type: 'line',
        data: { labels, datasets: datasets as never },
        options: baseOptions(theme, {
          scales: { y: { min: 0, suggestedMax: Math.max(1, r.maxBits), title: { display: true, text: 'bits' } } },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: (c: TooltipContext) => `${c.dataset.label}: ${Number(c.raw).toFixed(2)} bits` } },
          },
        }),
      },
      theme,
    );
    this.setNote(t('chart.entropyNote', selectedHead === 'mean' ? t('chart.entropyNoHead') : t('head.n', selectedHead)));
  }
}

export class LensChart extends ChartBox {
  constructor() {
    super(t('chart.lensLine'), 'lens-line');
  }

  /** `position` is the query on the positions axis; the lens there predicts the token that came next. */
  update(r: LensResult, position: number, next: Pick<ViewToken, 'text' | 'partial'> | undefined, theme: Theme): void {
    const p = r.positions.indexOf(position);
    if (p < 0) return this.clear(t('chart.lensNotRead'));
    const L = r.layers.length;
    const data = r.layers.map((_, l) => nullIfNaN(r.nextProbs[p * L + l]));
    this.render(
      {
        type: 'line',
        data: {
          labels: r.layers.map((l) => `L${l}`),
          datasets: [lineSeries('p(chosen)', data, theme.accent)],
        },
        options: baseOptions(theme, {
          scales: { y: { min: 0, max: 1, ticks: { callback: (v: unknown) => `${Math.round(Number(v) * 100)}%` } } },
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c: TooltipContext) => formatProb(Number(c.raw)) } } },
        }),
      },
      theme,
    );
    const decided = r.decision[p];
    this.setNote(t('chart.lensLineNote', next ? `“${displayText(next)}”` : t('chart.theNextToken'), decided));
  }
}

export class HiddenChart extends ChartBox {
  constructor() {
    super(t('chart.hidden'), 'hidden');
  }

  update(r: HiddenResult, theme: Theme): void {
    const labels = r.layers.map((l) => `L${l}`);
    const change = Array.from(r.change, nullIfNaN);
    this.render(
      {
        type: 'bar',
        data: {
          labels,
          datasets: [
            {
              type: 'line',
              ...lineSeries('mean norm', Array.from(r.meanNorm, nullIfNaN), theme.accent),
              yAxisID: 'y',
              order: 0,
            },
            {
              type: 'bar',
              label: 'change (1 − cosine with previous layer)',
              data: change,
              backgroundColor: toCss(mix(theme.palette[1 % theme.palette.length], theme.background, 0.2)),
              borderWidth: 0,
              yAxisID: 'y1',
              order: 1,
            },
          ] as never,
        },
        options: baseOptions(theme, {
          scales: {
            y: { position: 'left', min: 0, title: { display: true, text: t('chart.l2norm') } },
            y1: {
              position: 'right',
              min: 0,
              suggestedMax: 0.1,
              grid: { drawOnChartArea: false },
              title: { display: true, text: '1 − cosine' },
            },
          },
          plugins: {
            legend: { display: true, position: 'bottom', labels: { boxWidth: 10 } },
            tooltip: { callbacks: { label: (c: TooltipContext) => `${c.dataset.label}: ${Number(c.raw).toFixed(3)}` } },
          },
        }),
      },
      theme,
    );
    this.setNote(change.some((v) => v !== null) ? t('chart.hiddenNote') : `${t('chart.hiddenNote')} ${t('chart.hiddenNoChange')}`);
  }
}

interface TooltipContext {
  raw: unknown;
  dataset: { label?: string };
}

const short = (text: string) => (text.length > 24 ? `${text.slice(0, 23)}…` : text);
const nullIfNaN = (v: number) => (Number.isFinite(v) ? v : null);
