/**
 * The compare view's Chart.js charts: next-token probabilities per step (A's probability of its token and B's
 * probability of the same token as lines, their difference as bars), and the logit lens's mean |Δp| per layer.
 * Labels are drawn on canvas, so token text never becomes markup.
 */
import type { LensDelta, CompareReport } from '../../src/protocol/compare';
import { mix, toCss } from '../../src/panelData/colorScale';
import { baseOptions, ChartBox, lineSeries } from '../shared/chartBox';
import { t, tn } from '../shared/strings';
import { displayText, formatProb } from '../shared/tokenText';
import type { Theme } from '../shared/theme';
import { formatDelta, probabilitySeries } from './model';

interface TooltipContext {
  raw: unknown;
  dataIndex: number;
  dataset: { label?: string };
}

export class ProbabilityChart extends ChartBox {
  constructor() {
    super(t('compare.probTitle'), 'prob-chart');
  }

  update(report: CompareReport, theme: Theme): void {
    if (!report.steps.length) return this.clear(t(report.a.steps || report.b.steps ? 'compare.noCommonStep' : 'compare.noSteps'));
    const s = probabilitySeries(report);
    const omitted = new Set(s.omitted);
    const first = report.firstDifferingStep;
    const labels = report.steps.map((x) => [
      `${x.step + 1}${x.step === first ? ' ◆' : omitted.has(x.step) ? ' ·' : ''}`,
      short(displayText(x.a)),
    ]);
    const biggest = Math.max(0.05, ...s.delta.map((d) => Math.abs(d ?? 0)));
    const up = theme.palette[2];
    const down = theme.palette[4];
    this.render(
      {
        type: 'bar',
        data: {
          labels,
          datasets: [
            {
              type: 'line',
              ...lineSeries(t('compare.seriesA'), s.aProb, theme.palette[0]),
              yAxisID: 'y',
              order: 0,
            },
            {
              type: 'line',
              ...lineSeries(t('compare.seriesB'), s.bOfA, theme.palette[1]),
              borderDash: [5, 3],
              spanGaps: false,
              yAxisID: 'y',
              order: 1,
            },
            {
              type: 'bar',
              label: 'Δ = B − A',
              data: s.delta,
              backgroundColor: s.delta.map((d, i) =>
                toCss(mix(d !== null && d < 0 ? down : up, theme.background, report.steps[i].step === first ? 0 : 0.35)),
              ),
              borderWidth: 0,
              yAxisID: 'y1',
              order: 2,
            },
          ] as never,
        },
        options: baseOptions(theme, {
          scales: {
            x: {
              ticks: {
                font: { family: theme.monoFamily },
                color: (c: { index: number }) =>
                  toCss(omitted.has(report.steps[c.index]?.step) ? mix(theme.muted, theme.background, 0.3) : theme.foreground),
              },
            },
            y: {
              position: 'left',
              min: 0,
              max: 1,
              title: { display: true, text: 'p' },
              ticks: { callback: (v: unknown) => `${Math.round(Number(v) * 100)}%` },
            },
            y1: {
              position: 'right',
              min: -biggest,
              max: biggest,
              grid: { drawOnChartArea: false },
              title: { display: true, text: 'Δp' },
              ticks: { callback: (v: unknown) => `${Math.round(Number(v) * 100)}` },
            },
          },
          plugins: {
            legend: { display: true, position: 'bottom', labels: { boxWidth: 10 } },
            tooltip: {
              callbacks: {
                title: (items: TooltipContext[]) => {
                  const x = report.steps[items[0]?.dataIndex ?? 0];
                  return x ? `step ${x.step + 1}: A “${displayText(x.a)}”, B “${displayText(x.b)}”` : '';
                },
                label: (c: TooltipContext) =>
                  c.raw === null
                    ? `${c.dataset.label}: –`
                    : c.dataset.label?.startsWith('Δ')
                      ? `${c.dataset.label}: ${formatDelta(Number(c.raw))}`
                      : `${c.dataset.label}: ${formatProb(Number(c.raw))}`,
              },
            },
          },
        }),
      },
      theme,
    );
    const notes = [];
    if (first !== null) notes.push(t('compare.notePart', first + 1));
    if (omitted.size) notes.push(t('compare.noteOmitted', [...omitted].map((s) => s + 1).join(', ')));
    if (!report.sameInput) notes.push(t('compare.noteInputs'));
    const missing = report.steps.filter((x) => x.sameContext && x.bOfA === null).length;
    if (missing) notes.push(tn(missing, 'compare.noteMissing.one', 'compare.noteMissing.other'));
    this.setNote(notes.join(' ') || t('compare.noteAgree'));
  }
}

export class LensDeltaChart extends ChartBox {
  constructor() {
    super(t('compare.lensTitle'), 'lens-delta');
  }

  update(lens: LensDelta | null, theme: Theme): void {
    if (!lens || !lens.layers.length) return this.clear(t('compare.noLens'));
    const data = lens.meanAbsDelta.map((d) => (Number.isFinite(d) ? d : null));
    const top = Math.max(0.05, ...data.map((d) => d ?? 0));
    this.render(
      {
        type: 'line',
        data: {
          labels: lens.layers.map((l) => `L${l}`),
          datasets: [lineSeries('mean |p_B − p_A|', data, theme.accent)],
        },
        options: baseOptions(theme, {
          scales: { y: { min: 0, suggestedMax: top, ticks: { callback: (v: unknown) => `${Math.round(Number(v) * 1000) / 10} pt` } } },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: (c: TooltipContext) => (c.raw === null ? '–' : `${(Number(c.raw) * 100).toFixed(2)} pt`) } },
          },
        }),
      },
      theme,
    );
    this.setNote(tn(lens.positions.length, 'compare.lensNote.one', 'compare.lensNote.other'));
  }
}

const short = (text: string) => (text.length > 10 ? `${text.slice(0, 9)}…` : text);
