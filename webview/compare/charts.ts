/**
 * The compare view's Chart.js charts: next-token probabilities per step (A's probability of its token and B's
 * probability of the same token as lines, their difference as bars), and the logit lens's mean |Δp| per layer.
 * Labels are drawn on canvas, so token text never becomes markup.
 */
import type { LensDelta, CompareReport } from '../../src/protocol/compare';
import { mix, toCss } from '../../src/panelData/colorScale';
import { baseOptions, ChartBox } from '../shared/chartBox';
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
    super('Next-token probabilities per step', 'prob-chart');
  }

  update(report: CompareReport, theme: Theme): void {
    if (!report.steps.length)
      return this.clear(report.a.steps || report.b.steps ? 'The two runs have no step in common.' : 'Neither run generated a token.');
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
              label: 'A: p(A’s token)',
              data: s.aProb,
              borderColor: toCss(theme.palette[0]),
              backgroundColor: toCss(theme.palette[0]),
              borderWidth: 2,
              pointRadius: 3,
              yAxisID: 'y',
              order: 0,
            },
            {
              type: 'line',
              label: 'B: p(A’s token)',
              data: s.bOfA,
              borderColor: toCss(theme.palette[1]),
              backgroundColor: toCss(theme.palette[1]),
              borderWidth: 2,
              borderDash: [5, 3],
              pointRadius: 3,
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
    if (first !== null) notes.push(`◆ step ${first + 1}: the generations part (bar in full colour).`);
    if (omitted.size)
      notes.push(
        `· steps ${[...omitted].map((s) => s + 1).join(', ')}: the two runs continue from different tokens, so B’s values are left out.`,
      );
    if (!report.sameInput) notes.push('The inputs tokenize differently: B’s probabilities are not comparable and are left out.');
    const missing = report.steps.filter((x) => x.sameContext && x.bOfA === null).length;
    if (missing) notes.push(`${missing} ${missing === 1 ? 'step' : 'steps'} where A’s token was not among B’s top tokens (no B value).`);
    this.setNote(notes.join(' ') || 'The two runs agree on every step; bars show how B’s confidence in A’s token moves.');
  }
}

export class LensDeltaChart extends ChartBox {
  constructor() {
    super('Logit lens: mean |Δp| of the next token per layer', 'lens-delta');
  }

  update(lens: LensDelta | null, theme: Theme): void {
    if (!lens || !lens.layers.length)
      return this.clear(
        'No logit lens on both sides (a saved trace or a model without the split decoder files has none), so the layers are not compared.',
      );
    const data = lens.meanAbsDelta.map((d) => (Number.isFinite(d) ? d : null));
    const top = Math.max(0.05, ...data.map((d) => d ?? 0));
    this.render(
      {
        type: 'line',
        data: {
          labels: lens.layers.map((l) => `L${l}`),
          datasets: [
            {
              label: 'mean |p_B − p_A|',
              data,
              borderColor: toCss(theme.accent),
              backgroundColor: toCss(theme.accent),
              borderWidth: 2,
              pointRadius: 3,
            },
          ],
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
    this.setNote(
      `Over ${lens.positions.length} shared ${lens.positions.length === 1 ? 'position' : 'positions'}: how far each layer’s prediction of the token that came next moved between A and B.`,
    );
  }
}

const short = (text: string) => (text.length > 10 ? `${text.slice(0, 9)}…` : text);
