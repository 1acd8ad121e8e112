/**
 * The compare view: A and B side by side — the summary, the two generations step by step, where attention
 * diverges (a layer × head heatmap per kind), how the next-token probabilities move, and the lens per layer.
 * The comparison is kept with setState, so a view rebuilt after being hidden or a reload draws it at once.
 */
import type { Connection } from '../../src/protocol/rpc';
import type {
  CompareHostEvents,
  CompareHostMethods,
  CompareOpenResult,
  CompareSide,
  CompareViewEvents,
  CompareViewMethods,
} from '../../src/protocol/compare';
import { buildLut } from '../../src/panelData/colorScale';
import { actionButton, KindTabs } from '../shared/controls';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { onThemeChange, readTheme, type Theme } from '../shared/theme';
import { BisectSection } from './bisectView';
import { bisectVerdict } from './bisectModel';
import { LensDeltaChart, ProbabilityChart } from './charts';
import { DivergenceMap } from './divergenceMap';
import { generationsView } from './generations';
import { compareHeader } from './header';
import { kindGrids, maxJsd, type KindGrid } from './model';
import { defaultState, moveCell, readState, reconcile, type CompareUiState } from './state';

export type CompareConnection = Connection<CompareViewMethods, CompareHostMethods, CompareViewEvents, CompareHostEvents>;

export interface CompareEnv {
  connection: CompareConnection;
  getState(): unknown;
  setState(state: unknown): void;
  /** The standalone HTML report: no traces to show, no export; the text report downloads. */
  standalone?: boolean;
}

export class CompareApp {
  private state: CompareUiState;
  private open?: CompareOpenResult;
  private grids: KindGrid[] = [];
  private max = 0;
  private theme: Theme = readTheme();
  private lut = buildLut(this.theme.ramp, 'sqrt');
  private readonly map = new DivergenceMap({
    select: (layer, head) => this.update({ ...this.state, layer, head }),
    move: (dLayer, dHead) => {
      const grid = this.grid();
      if (grid) this.update(moveCell(this.state, grid, dLayer, dHead));
    },
    open: (side, layer, head) => void this.openTrace(side, { layer, head, kind: this.state.kind }),
  });
  private readonly mapHost = el('div', { className: 'jsd-views' }, this.map.element);
  private readonly tabs = new KindTabs(this.mapHost, (kind) => this.update({ ...this.state, kind }));
  private readonly prob = new ProbabilityChart();
  private readonly lens = new LensDeltaChart();
  private readonly status = el('p', { className: 'action-status', attrs: { 'aria-live': 'polite' } });
  private readonly bisect = new BisectSection(() => void this.runBisect());

  constructor(
    private readonly root: HTMLElement,
    private readonly env: CompareEnv,
  ) {
    this.state = readState(env.getState());
    onThemeChange(() => this.onTheme());
  }

  /** Draws what was saved at once, then asks the host for its comparison (a newer one replaces it). */
  async start(): Promise<void> {
    this.env.connection.onEvent('show', (open) => this.show(open));
    if (this.state.open) this.show(this.state.open);
    const open = await this.env.connection.request('open', { compareId: this.state.open?.compareId }).catch(() => null);
    if (open && (open.compareId !== this.open?.compareId || !this.open)) this.show(open);
    else if (!this.open) this.root.replaceChildren(el('p', { className: 'empty-state' }, t('compare.empty')));
  }

  show(open: CompareOpenResult): void {
    const same = this.open?.compareId === open.compareId || this.state.open?.compareId === open.compareId;
    this.open = open;
    this.grids = kindGrids(open.report);
    this.max = maxJsd(this.grids);
    this.state = reconcile({ ...(same ? this.state : defaultState()), open }, this.grids);
    this.build(open);
    this.save();
    this.env.connection.notify('rendered', {
      compareId: open.compareId,
      summary: open.report.summary,
      firstDifferingStep: open.report.firstDifferingStep,
      kinds: this.grids.map((g) => g.kind),
      maxJsd: this.max,
      cells: this.grids.reduce((n, g) => n + g.layers.length * g.heads, 0),
      bisect: {
        offered: !!open.models && !this.env.standalone,
        verdict: open.bisect ? bisectVerdict(open.bisect) : null,
        restoredAfter: open.bisect?.restoredAfter ?? null,
        layers: open.bisect?.layers.length ?? 0,
      },
    });
  }

  private build(open: CompareOpenResult): void {
    const report = open.report;
    const actions = this.env.standalone
      ? [actionButton('file-text', t('compare.downloadText'), () => void this.openText(), 'open-text')]
      : [
          actionButton('file-text', t('compare.openText'), () => void this.openText(), 'open-text'),
          actionButton('export', t('action.exportHtml'), () => void this.exportHtml(), 'export-html'),
          actionButton(
            'go-to-file',
            t('compare.showInPanel', 'A'),
            () => void this.openTrace('a', { layer: this.state.layer, head: this.state.head, kind: this.state.kind }),
            'open-a',
          ),
          actionButton(
            'go-to-file',
            t('compare.showInPanel', 'B'),
            () => void this.openTrace('b', { layer: this.state.layer, head: this.state.head, kind: this.state.kind }),
            'open-b',
          ),
        ];
    this.map.setStandalone(!!this.env.standalone);
    this.status.textContent = '';
    const attention = el('section', { className: 'attention-section' }, el('h2', {}, t('compare.attentionTitle')));
    if (this.grids.length) {
      const rows = [...new Set(report.attention.map((l) => l.rows))];
      attention.append(
        el('p', { className: 'chart-note muted' }, t('compare.attentionNote', rows.length === 1 ? rows[0] : rows.join('/'))),
      );
      attention.append(this.tabs.element);
      this.tabs.setKinds(
        this.grids.map((g) => g.kind),
        this.state.kind,
      );
    } else {
      attention.append(el('p', { className: 'empty-map' }, t('compare.noAttention')));
    }
    const charts = el('section', { className: 'charts compare-charts' }, this.prob.element, this.lens.element);
    // The bisector's verdict comes right under the header: when it ran, it is the answer the view is for.
    const bisect = BisectSection.shown(open, !!this.env.standalone) ? [this.bisect.element] : [];
    this.root.replaceChildren(compareHeader(report, actions), this.status, ...bisect, generationsView(report), attention, charts);
    if (bisect.length) this.bisect.update(open, this.theme, !!this.env.standalone);
    const grid = this.grid();
    if (grid) this.map.set(grid, this.max, this.state.layer, this.state.head, this.theme, this.lut);
    this.prob.update(report, this.theme);
    this.lens.update(report.lens, this.theme);
  }

  private grid(): KindGrid | undefined {
    return this.grids.find((g) => g.kind === this.state.kind);
  }

  private update(next: CompareUiState): void {
    next = reconcile(next, this.grids);
    const kindChanged = next.kind !== this.state.kind;
    this.state = next;
    this.save();
    const grid = this.grid();
    if (!grid) return;
    if (kindChanged) {
      this.tabs.select(next.kind);
      this.map.set(grid, this.max, next.layer, next.head, this.theme, this.lut);
    } else this.map.select(next.layer, next.head);
  }

  private save(): void {
    this.env.setState(this.state);
  }

  private async openTrace(side: CompareSide, focus: { layer?: number; head?: number; kind?: CompareUiState['kind'] }): Promise<void> {
    const open = this.open;
    if (!open) return;
    const focusOn = this.grids.length ? focus : {};
    const r = await this.env.connection
      .request('openTrace', { compareId: open.compareId, side, ...focusOn })
      .catch((e: Error) => ({ shown: false, message: e.message }));
    this.status.textContent = r.shown ? '' : (r.message ?? t('compare.couldNotShow', side.toUpperCase()));
    this.status.classList.toggle('error', !r.shown);
  }

  private async openText(): Promise<void> {
    const open = this.open;
    if (!open) return;
    await this.env.connection.request('openText', { compareId: open.compareId }).catch((e: Error) => {
      this.status.textContent = e.message;
      this.status.classList.add('error');
    });
  }

  /** Asks the host to bisect the two models; it shows the comparison again with the report when done. */
  private async runBisect(): Promise<void> {
    const open = this.open;
    if (!open) return;
    this.bisect.setStatus(t('compare.bisect.running'));
    const r = await this.env.connection
      .request('bisect', { compareId: open.compareId })
      .catch((e: Error) => ({ ran: false, message: e.message }));
    // When it ran, the host's `show` rebuilt the section; otherwise say why (nothing to say after a cancel).
    if (!r.ran) this.bisect.setStatus(r.message ?? t('compare.bisect.cancelled'), r.message !== undefined);
  }

  private async exportHtml(): Promise<void> {
    const open = this.open;
    if (!open) return;
    const r = await this.env.connection.request('exportHtml', { compareId: open.compareId }).catch((e: Error) => {
      this.status.textContent = e.message;
      this.status.classList.add('error');
      return null;
    });
    if (r?.saved) {
      this.status.textContent = `Saved ${r.saved}`;
      this.status.classList.remove('error');
    }
  }

  private onTheme(): void {
    this.theme = readTheme();
    this.lut = buildLut(this.theme.ramp, 'sqrt');
    this.map.repaint(this.theme, this.lut);
    if (this.open) {
      this.prob.update(this.open.report, this.theme);
      this.lens.update(this.open.report.lens, this.theme);
      this.bisect.repaint(this.open, this.theme);
    }
  }
}
