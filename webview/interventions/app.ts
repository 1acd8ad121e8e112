/**
 * The interventions view: the latest head ranking (a layer × head heatmap of the drop per attention kind, and the
 * largest drops as sorted bars), occlusion (Δp per hidden input token) and activation patching (a layer ×
 * position heatmap of the clean probability recovered), the newest first. Results are kept with setState, so a
 * view rebuilt after being hidden or a reload draws them at once. Token text is untrusted: text nodes and canvas
 * text only.
 */
import type { Connection } from '../../src/protocol/rpc';
import type {
  InterventionKind,
  InterventionResult,
  InterventionsHostEvents,
  InterventionsHostMethods,
  InterventionsOpen,
  InterventionsViewEvents,
  InterventionsViewMethods,
  OcclusionResult,
  PatchingResult,
  RankingResult,
} from '../../src/protocol/interventions';
import { lastSegment } from '../../src/panelData/pathName';
import { actionButton, KindTabs } from '../shared/controls';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { onThemeChange, readTheme, type Theme } from '../shared/theme';
import { displayText } from '../shared/tokenText';
import { OcclusionBars, RankingBars } from './charts';
import { divergingLut, GridMap } from './gridMap';
import { headName, maxAbs, p4, patchingGrid, percent, rankingGrids, signed, type RankingGrid } from './model';
import { readState, type InterventionsUiState } from './state';

export type InterventionsConnection = Connection<
  InterventionsViewMethods,
  InterventionsHostMethods,
  InterventionsViewEvents,
  InterventionsHostEvents
>;

export interface InterventionsEnv {
  connection: InterventionsConnection;
  getState(): unknown;
  setState(state: unknown): void;
}

const tokenLabel = (text: string) => displayText({ text });

export class InterventionsApp {
  private state: InterventionsUiState;
  private open: InterventionsOpen = {};
  private grids: RankingGrid[] = [];
  private theme: Theme = readTheme();
  private lut = divergingLut(this.theme);
  private readonly rankMap = new GridMap('ranking-map', (r, c) => this.update({ rankCell: { r, c } }));
  private readonly rankHost = el('div', { className: 'grid-views' }, this.rankMap.element);
  private readonly tabs = new KindTabs(this.rankHost, (kind) => {
    this.update({ rankKind: kind });
    this.drawRankingMap();
  });
  private readonly rankBars = new RankingBars();
  private readonly occlusionBars = new OcclusionBars();
  private readonly patchMap = new GridMap('patching-map', (r, c) => this.update({ patchCell: { r, c } }));
  private readonly status = el('p', { className: 'action-status', attrs: { 'aria-live': 'polite' } });

  constructor(
    private readonly root: HTMLElement,
    private readonly env: InterventionsEnv,
  ) {
    this.state = readState(env.getState());
    onThemeChange(() => this.onTheme());
  }

  /** Draws what was saved at once, then asks the host for its results (newer ones replace them). */
  async start(): Promise<void> {
    this.env.connection.onEvent('show', (result) => this.show(result));
    if (this.state.open) this.showAll(this.state.open);
    const open = await this.env.connection.request('open', {}).catch(() => null);
    if (open) this.showAll({ ...this.open, ...open, latest: open.latest ?? this.open.latest });
    else if (!this.open.latest) this.root.replaceChildren(el('p', { className: 'empty-state' }, t('interv.empty')));
  }

  /** A new result: it replaces the one of its kind and goes first. */
  show(result: InterventionResult): void {
    this.showAll({ ...this.open, [result.kind]: result, latest: result.kind });
  }

  private showAll(open: InterventionsOpen): void {
    const before = this.open;
    this.open = open;
    if (open.ranking && open.ranking.id !== before.ranking?.id && before.ranking) this.state.rankCell = { r: 0, c: 0 };
    if (open.patching && open.patching.id !== before.patching?.id && before.patching) this.state.patchCell = { r: 0, c: 0 };
    this.grids = open.ranking ? rankingGrids(open.ranking) : [];
    if (!this.grids.some((g) => g.kind === this.state.rankKind) && this.grids[0]) this.state.rankKind = this.grids[0].kind;
    this.build();
    this.update({ open });
    for (const kind of ['ranking', 'occlusion', 'patching'] as const) {
      const r = open[kind];
      if (r && r.id !== before[kind]?.id) this.notifyRendered(r);
    }
  }

  private build(): void {
    const open = this.open;
    const sections: Record<InterventionKind, HTMLElement | undefined> = {
      ranking: open.ranking && this.rankingSection(open.ranking),
      occlusion: open.occlusion && this.occlusionSection(open.occlusion),
      patching: open.patching && this.patchingSection(open.patching),
    };
    const order: InterventionKind[] = ['ranking', 'occlusion', 'patching'];
    if (open.latest) order.sort((a, b) => Number(b === open.latest) - Number(a === open.latest));
    this.status.textContent = '';
    this.root.replaceChildren(
      el('header', { className: 'interv-header' }, el('h1', {}, t('interv.title'))),
      this.status,
      ...order.flatMap((k) => (sections[k] ? [sections[k]] : [])),
    );
    if (open.ranking) {
      this.drawRankingMap();
      this.rankBars.update(open.ranking, this.theme);
    }
    if (open.occlusion) this.occlusionBars.update(open.occlusion, this.theme);
    if (open.patching) this.drawPatchingMap(open.patching);
  }

  private heading(kind: InterventionKind, title: string, result: InterventionResult, facts: string): HTMLElement {
    return el(
      'div',
      { className: 'section-head' },
      el('h2', {}, title),
      el('p', { className: 'section-facts' }, facts),
      el('p', { className: 'muted model-path', title: result.model }, lastSegment(result.model)),
      el(
        'div',
        { className: 'section-actions' },
        actionButton('file-text', t('interv.openText'), () => void this.openText(result), `open-text-${kind}`),
      ),
    );
  }

  private rankingSection(r: RankingResult): HTMLElement {
    const section = el(
      'section',
      { className: 'interv-section ranking-section', dataset: { id: r.id } },
      this.heading('ranking', t('interv.rankTitle'), r, t('interv.rankFacts', r.step + 1, tokenLabel(r.chosen.text), p4(r.prob))),
      el('p', { className: 'chart-note muted' }, t('interv.rankNote')),
    );
    if (!this.grids.length) {
      section.append(el('p', { className: 'empty-map' }, t('interv.noHeads')));
      return section;
    }
    section.append(this.tabs.element, this.rankBars.element);
    this.tabs.setKinds(
      this.grids.map((g) => g.kind),
      this.state.rankKind,
    );
    return section;
  }

  private occlusionSection(o: OcclusionResult): HTMLElement {
    return el(
      'section',
      { className: 'interv-section occlusion-section', dataset: { id: o.id } },
      this.heading(
        'occlusion',
        t('interv.occlusionTitle'),
        o,
        t('interv.occlusionFacts', o.step + 1, tokenLabel(o.chosen.text), p4(o.prob)),
      ),
      el('p', { className: 'chart-note muted' }, t('interv.occlusionExplain')),
      ...o.notes.map((n) => el('p', { className: 'note report-note' }, n)),
      this.occlusionBars.element,
    );
  }

  private patchingSection(p: PatchingResult): HTMLElement {
    const changed = p.cleanTokens.flatMap((c, i) => (c !== p.corruptTokens[i] ? [i] : []));
    return el(
      'section',
      { className: 'interv-section patching-section', dataset: { id: p.id } },
      this.heading(
        'patching',
        t('interv.patchTitle'),
        p,
        t('interv.patchFacts', tokenLabel(p.target.text), p4(p.cleanProb), p4(p.corruptProb)),
      ),
      el(
        'p',
        { className: 'chart-note muted patch-changed' },
        changed.length
          ? t(
              'interv.patchChanged',
              changed.map((i) => `${i}: “${tokenLabel(p.corruptTokens[i])}” ← “${tokenLabel(p.cleanTokens[i])}”`).join(', '),
            )
          : t('interv.patchSame'),
      ),
      this.patchMap.element,
    );
  }

  private drawRankingMap(): void {
    const r = this.open.ranking;
    const grid = this.grids.find((g) => g.kind === this.state.rankKind) ?? this.grids[0];
    if (!r || !grid) return;
    const max = Math.max(1e-6, ...this.grids.map((g) => maxAbs(g.values)));
    this.rankMap.canvas.dataset.kind = grid.kind;
    this.rankMap.set(
      {
        ...grid,
        rowLabels: grid.layers.map((l) => `L${l}`),
        colLabels: Array.from({ length: grid.cols }, (_, h) => `H${h}`),
        max,
        describe: (row, col) => {
          const h = grid.heads[row * grid.cols + col];
          return h ? t('interv.headReadout', headName(h), p4(h.prob), signed(h.drop)) : t('interv.noHead', grid.layers[row], col);
        },
        aria: t('interv.rankAria', t(`kindInline.${grid.kind}`), p4(max)),
        legend: { low: signed(-max), mid: t('interv.rankLegend'), high: signed(max) },
      },
      this.state.rankCell.r,
      this.state.rankCell.c,
      this.theme,
      this.lut,
    );
  }

  private drawPatchingMap(p: PatchingResult): void {
    const grid = patchingGrid(p);
    const max = Math.max(1, maxAbs(grid.values));
    this.patchMap.set(
      {
        ...grid,
        rowLabels: p.layers.map((l) => `L${l}`),
        colLabels: p.cleanTokens.map((_, i) => String(i)),
        colNames: p.cleanTokens.map((c, i) =>
          c === p.corruptTokens[i] ? tokenLabel(c) : `${tokenLabel(c)}/${tokenLabel(p.corruptTokens[i])}`,
        ),
        max,
        describe: (row, col) =>
          t(
            'interv.patchReadout',
            p.layers[row],
            col,
            tokenLabel(p.cleanTokens[col]),
            tokenLabel(p.corruptTokens[col]),
            p.probs[row][col] === null ? '–' : p4(p.probs[row][col]!),
            percent(p.recovered[row][col]),
          ),
        aria: t('interv.patchAria'),
        legend: { low: percent(-max), mid: t('interv.patchLegend'), high: percent(max) },
      },
      this.state.patchCell.r,
      this.state.patchCell.c,
      this.theme,
      this.lut,
    );
  }

  private update(change: Partial<InterventionsUiState>): void {
    this.state = { ...this.state, ...change };
    this.env.setState(this.state);
  }

  private notifyRendered(r: InterventionResult): void {
    if (r.kind === 'ranking')
      this.env.connection.notify('rendered', {
        id: r.id,
        kind: r.kind,
        cells: this.grids.reduce((n, g) => n + g.rows * g.cols, 0),
        bars: this.rankBars.bars,
        kinds: this.grids.map((g) => g.kind),
      });
    else if (r.kind === 'occlusion')
      this.env.connection.notify('rendered', { id: r.id, kind: r.kind, cells: 0, bars: this.occlusionBars.bars });
    else
      this.env.connection.notify('rendered', {
        id: r.id,
        kind: r.kind,
        cells: r.layers.length * r.cleanTokens.length,
        bars: [],
        values: this.patchMap.values,
      });
  }

  private async openText(result: InterventionResult): Promise<void> {
    await this.env.connection.request('openText', { id: result.id }).catch((e: Error) => {
      this.status.textContent = e.message;
      this.status.classList.add('error');
    });
  }

  private onTheme(): void {
    this.theme = readTheme();
    this.lut = divergingLut(this.theme);
    this.rankMap.repaint(this.theme, this.lut);
    this.patchMap.repaint(this.theme, this.lut);
    if (this.open.ranking) this.rankBars.update(this.open.ranking, this.theme);
    if (this.open.occlusion) this.occlusionBars.update(this.open.occlusion, this.theme);
  }
}
