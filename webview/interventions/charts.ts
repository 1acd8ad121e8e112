/**
 * The interventions view's Chart.js bar charts: the heads whose knockout lowers the chosen token's probability
 * most (sorted, largest first), and Δp per hidden input token (in input order). Labels are drawn on canvas, so
 * token text never becomes markup; the bars drawn are published on the canvas's data-bars for tests.
 */
import type { OcclusionResult, RankingResult } from '../../src/protocol/interventions';
import { mix, toCss } from '../../src/panelData/colorScale';
import { baseOptions, ChartBox } from '../shared/chartBox';
import { t } from '../shared/strings';
import type { Theme } from '../shared/theme';
import { displayText } from '../shared/tokenText';
import { headName, largestDrops, p4, signed } from './model';

interface TooltipContext {
  raw: unknown;
  dataIndex: number;
}

export type Bars = { label: string; value: number }[];

abstract class BarsChart extends ChartBox {
  bars: Bars = [];

  protected drawBars(bars: Bars, theme: Theme, horizontal: boolean, tooltip: (i: number) => string[]): void {
    this.bars = bars;
    this.canvas.dataset.bars = JSON.stringify(bars);
    const up = theme.palette[2];
    const down = theme.palette[4];
    const colours = bars.map((b) => toCss(mix(b.value < 0 ? down : up, theme.background, 0.15)));
    const valueAxis = {
      title: { display: true, text: 'Δp (pt)' },
      ticks: { callback: (v: unknown) => `${Math.round(Number(v) * 1000) / 10}` },
    };
    // Every label while they fit; a long prompt's occlusion skips some (the tooltip names each bar).
    const labelAxis = { ticks: { font: { family: theme.monoFamily }, autoSkip: bars.length > 40 } };
    this.render(
      {
        type: 'bar',
        data: {
          labels: bars.map((b) => b.label),
          datasets: [{ label: 'Δp', data: bars.map((b) => b.value), backgroundColor: colours, borderWidth: 0 }],
        },
        options: baseOptions(theme, {
          indexAxis: horizontal ? 'y' : 'x',
          scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { title: () => '', label: (c: TooltipContext) => tooltip(c.dataIndex) } },
          },
        }),
      },
      theme,
    );
  }
}

export class RankingBars extends BarsChart {
  constructor() {
    super(t('interv.rankBarsTitle'), 'ranking-bars');
  }

  update(r: RankingResult, theme: Theme): void {
    const top = largestDrops(r);
    if (!top.length) return this.clear(t('interv.noHeads'));
    this.drawBars(
      top.map((h) => ({ label: headName(h), value: h.drop })),
      theme,
      true,
      (i) => [t('interv.headReadout', headName(top[i]), p4(top[i].prob), signed(top[i].drop))],
    );
    this.setNote(t('interv.rankBarsNote', top.length, r.heads.length));
  }
}

export class OcclusionBars extends BarsChart {
  constructor() {
    super(t('interv.occlusionBarsTitle'), 'occlusion-bars');
  }

  update(o: OcclusionResult, theme: Theme): void {
    if (!o.tokens.length) return this.clear(t('interv.noInputTokens'));
    this.drawBars(
      o.tokens.map((tok) => ({ label: `${tok.index}:${displayText(tok)}`, value: tok.delta })),
      theme,
      false,
      (i) => [t('interv.occlusionReadout', o.tokens[i].index, displayText(o.tokens[i]), p4(o.tokens[i].prob), signed(o.tokens[i].delta))],
    );
    const strongest = [...o.tokens].sort((a, b) => a.delta - b.delta)[0];
    this.setNote(t('interv.occlusionNote', displayText(strongest), signed(strongest.delta)));
  }
}
