/**
 * The attention panel: builds the views for a trace, keeps the selection (saved with setState on every change),
 * and asks the host for exactly what the selection shows. Stale answers (the selection moved on) are dropped.
 */
import type { Connection } from '../../src/protocol/rpc';
import type {
  AblateHeadsRequest,
  LensResult,
  PanelEvents,
  PanelHostEvents,
  PanelHostMethods,
  PanelMethods,
  PanelOpenResult,
  PanelTraceMeta,
  PanelUiState,
} from '../../src/protocol/panel';
import { expandMatrix } from '../../src/panelData/expandMatrix';
import { buildLut } from '../../src/panelData/colorScale';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { onThemeChange, readTheme, type Theme } from '../shared/theme';
import { AcrossLayersChart, EntropyChart, HiddenChart, LensChart, TopKChart } from './charts';
import { HeadControls } from './controls';
import { actionButton, KindTabs } from '../shared/controls';
import { HeadView } from './headView';
import { PaintMarker } from './paintMarker';
import { LensView } from './lensView';
import { ModelView } from './modelView';
import { HeadSelection } from './headSelection';
import { Scrubber } from './scrubber';
import {
  applyFocus,
  captureOf,
  currentQuery,
  freshState,
  headChoices,
  kindsOf,
  layersOf,
  moveHead,
  moveLayer,
  readState,
  reconcile,
  withQuery,
} from './state';
import { TokenStrip } from './tokenStrip';
import { axisTokens, queryAxis, queryOfStep, stepOfQuery } from './tokens';
import { traceHeader } from './header';
import { composeView } from './exportPng';

export type PanelConnection = Connection<PanelMethods, PanelHostMethods, PanelEvents, PanelHostEvents>;

export interface PanelEnv {
  connection: PanelConnection;
  getState(): unknown;
  setState(state: unknown): void;
  /** Saves the PNG (VS Code: the host asks where; report: a download). */
  savePng(name: string, png: Uint8Array): Promise<void>;
  /** Writes the HTML report; absent in the report itself. */
  exportHtml?(traceId: string): Promise<void>;
  /** Reruns the trace with heads ablated (the host opens the compare view); absent in the report. */
  ablateHeads?(request: AblateHeadsRequest): Promise<void>;
}

/** Thumbnail resolution asked of the host (cells per side). */
const THUMB_CELLS = 64;

export class PanelApp {
  private meta?: PanelTraceMeta;
  private state: PanelUiState;
  private theme: Theme = readTheme();
  private lut = buildLut(this.theme.ramp, 'sqrt');
  private readonly seq = { thumbs: 0, matrix: 0, charts: 0, topk: 0, lens: 0 };
  private readonly strip = new TokenStrip((axis, index) => this.selectToken(axis, index));
  private readonly scrubber = new Scrubber(
    (step) =>
      this.meta &&
      this.update({ ...this.state, kind: this.state.kind === 'encoder' ? 'self' : this.state.kind, query: queryOfStep(this.meta, step) }),
  );
  private readonly modelView: ModelView;
  private readonly headView = new HeadView((query) => this.update(withQuery(this.state, queryAxis(this.state.kind), query)));
  private readonly controls = new HeadControls({
    kind: (kind) => this.update({ ...this.state, kind }),
    layer: (layer) => this.update({ ...this.state, layer }),
    head: (head) => this.update({ ...this.state, head }),
    scale: (scale) => this.update({ ...this.state, scale }),
  });
  private readonly topk = new TopKChart();
  private readonly across = new AcrossLayersChart();
  private readonly entropy = new EntropyChart();
  private readonly lensView = new LensView((query) =>
    this.update(withQuery({ ...this.state, kind: this.state.kind === 'encoder' ? 'self' : this.state.kind }, 'positions', query)),
  );
  private readonly lensChart = new LensChart();
  private readonly hiddenChart = new HiddenChart();
  private readonly lensNote = el('p', { className: 'chart-note muted' });
  private readonly lensSection = el(
    'section',
    { className: 'lens-section' },
    el('h2', {}, t('panel.lens')),
    this.lensNote,
    this.lensView.element,
    this.lensChart.element,
  );
  private readonly hiddenSection = el(
    'section',
    { className: 'hidden-section' },
    el('h2', {}, t('panel.hidden')),
    this.hiddenChart.element,
  );
  private lens?: LensResult;
  private readonly headTitle = el('h2', { className: 'head-title' });
  private readonly views = el('div', { className: 'views' });
  private readonly painted: PaintMarker;
  private readonly tabs = new KindTabs(this.views, (kind) => this.update({ ...this.state, kind }));

  constructor(
    private readonly root: HTMLElement,
    private readonly env: PanelEnv,
  ) {
    this.state = readState(env.getState());
    this.painted = new PaintMarker(root);
    const ablate = env.ablateHeads;
    const chosen = ablate
      ? new HeadSelection(
          (heads, mode) => this.meta && void ablate({ traceId: this.meta.traceId, heads, mode }).catch(() => undefined),
          () => this.modelView?.markChosen(),
        )
      : undefined;
    this.modelView = new ModelView(
      (layer, head) => this.update({ ...this.state, layer, head }, true),
      (dLayer, dHead) =>
        this.meta && this.update(dLayer ? moveLayer(this.state, this.meta, dLayer) : moveHead(this.state, this.meta, dHead)),
      chosen,
    );
    onThemeChange(() => this.onTheme());
    this.views.append(
      el('section', { className: 'model-section' }, el('h2', {}, t('panel.modelView')), this.modelView.element),
      el('section', { className: 'head-section' }, this.headTitle, this.controls.element, this.headView.element),
    );
  }

  /** Asks the host for the trace (the one this panel showed before, if it still has it). */
  async start(): Promise<void> {
    this.env.connection.onEvent('trace', (open) => this.show(open));
    const open = await this.env.connection.request('open', { traceId: this.state.traceId }).catch(() => null);
    if (open) this.show(open);
    else if (!this.root.querySelector('.model-summary, .error')) {
      this.root.replaceChildren(el('p', { className: 'empty-state' }, t(this.state.traceId ? 'panel.traceGone' : 'panel.noTrace')));
    }
  }

  show(open: PanelOpenResult): void {
    const { meta } = open;
    const same = this.meta?.traceId === meta.traceId || this.state.traceId === meta.traceId;
    let state = same ? reconcile(this.state, meta) : freshState(meta, this.state);
    if (open.focusSeq > state.focusSeq) state = applyFocus(state, open.focus, meta, open.focusSeq);
    this.meta = meta;
    this.state = state;
    this.painted.shown(meta.traceId);
    this.build(meta);
    this.update(state, false, true);
  }

  private build(meta: PanelTraceMeta): void {
    const actions = [actionButton('device-camera', t('panel.savePng'), () => void this.savePng(), 'save-png')];
    if (this.env.exportHtml)
      actions.push(actionButton('export', t('action.exportHtml'), () => void this.env.exportHtml?.(meta.traceId), 'export-html'));
    this.strip.setTrace(meta);
    this.scrubber.setTrace(meta);
    this.tabs.setKinds(kindsOf(meta), this.state.kind);
    const charts = el('section', { className: 'charts' }, this.topk.element, this.across.element, this.entropy.element);
    this.lens = undefined;
    this.lensSection.hidden = this.hiddenSection.hidden = true;
    this.root.replaceChildren(
      traceHeader(meta, actions),
      el('section', { className: 'tokens' }, this.strip.element, this.scrubber.element),
      this.tabs.element,
      charts,
      this.lensSection,
      this.hiddenSection,
    );
    void this.loadLens(meta);
    if (!meta.captures.length) {
      this.modelView.clear(t('panel.noAttention'));
      this.headView.clear('');
    }
  }

  /** A token is a query only on its own axis: an input token of an encoder-decoder model opens the encoder tab, a decoder token leaves it. */
  private selectToken(axis: 'positions' | 'input', index: number): void {
    let kind = this.state.kind;
    if (axis === 'input' && kind !== 'encoder') kind = 'encoder';
    if (axis === 'positions' && kind === 'encoder') kind = this.meta && kindsOf(this.meta).includes('self') ? 'self' : 'cross';
    this.update(withQuery({ ...this.state, kind }, axis, index));
  }

  /** Applies a new selection: saves it, then refreshes only what depends on what changed. */
  private update(next: PanelUiState, focusHead = false, all = false): void {
    const meta = this.meta;
    if (!meta) return;
    next = reconcile(next, meta);
    const prev = this.state;
    this.state = next;
    this.env.setState(next);
    this.env.connection.notify('selection', next);
    const changed = (k: keyof PanelUiState) => all || prev[k] !== next[k];
    const query = currentQuery(next);
    if (changed('kind')) this.tabs.select(next.kind);
    if (changed('scale')) this.lut = buildLut(this.theme.ramp, next.scale);
    this.controls.set(
      next,
      layersOf(meta, next.kind).map((c) => c.layer),
      headChoices(captureOf(meta, next.kind, next.layer)),
    );
    this.strip.setSelection(meta, queryAxis(next.kind), query);
    this.scrubber.setQuery(meta, next.query, next.kind !== 'encoder');
    this.headTitle.textContent = t(
      'panel.headTitle',
      next.layer,
      next.head === 'mean' ? t('head.mean') : t('head.n', next.head),
      t(`kindInline.${next.kind}`),
    );
    if (changed('kind')) void this.loadThumbs();
    else if (changed('scale')) this.modelView.paint(this.theme, this.lut);
    this.modelView.setSelection(next.layer, next.head, next.kind);
    if (changed('kind') || changed('layer') || changed('head')) void this.loadMatrix();
    else if (changed('scale')) this.headView.repaint(this.theme, this.lut);
    else if (changed('query') || changed('encoderQuery')) this.headView.setQuery(query);
    // Nothing in the charts depends on the layer: they show every layer.
    if (changed('kind') || changed('head') || changed('query') || changed('encoderQuery')) void this.loadCharts();
    if (changed('query') || changed('kind')) void this.loadTopK();
    if (this.lens && (changed('query') || changed('kind'))) this.showLensQuery();
    if (focusHead) this.headView.canvas.focus({ preventScroll: true });
  }

  private async loadThumbs(): Promise<void> {
    const meta = this.meta!;
    const ticket = ++this.seq.thumbs;
    const { kind } = this.state;
    if (!layersOf(meta, kind).length) return;
    const asked = performance.now();
    const thumbs = await this.env.connection
      .request('thumbnails', { traceId: meta.traceId, kind, size: THUMB_CELLS })
      .catch((e: Error) => this.modelView.clear(e.message));
    if (!thumbs || ticket !== this.seq.thumbs) return;
    this.painted.waited(meta.traceId, 'grid', performance.now() - asked);
    this.modelView.setThumbnails(thumbs, this.theme, this.lut, this.modelView.element.clientWidth || 480);
    this.modelView.setSelection(this.state.layer, this.state.head, this.state.kind);
    this.painted.drawn(meta.traceId, 'grid');
  }

  private async loadMatrix(): Promise<void> {
    const meta = this.meta!;
    const ticket = ++this.seq.matrix;
    const { kind, layer, head } = this.state;
    if (!captureOf(meta, kind, layer)) return;
    const asked = performance.now();
    const m = await this.env.connection
      .request('matrix', { traceId: meta.traceId, kind, layer, head })
      .catch((e: Error) => this.headView.clear(e.message));
    if (!m || ticket !== this.seq.matrix) return;
    this.painted.waited(meta.traceId, 'head', performance.now() - asked);
    const axes = axisTokens(meta, kind);
    this.headView.setMatrix(expandMatrix(m), axes.queries, axes.keys, this.theme, this.lut, currentQuery(this.state));
    // Which head the view now holds (the title changes at once, the matrix when it arrives): tests wait on it.
    this.headView.element.dataset.shows = `${kind} ${layer} ${head}`;
    this.painted.drawn(meta.traceId, 'head');
  }

  private async loadCharts(): Promise<void> {
    const meta = this.meta!;
    const ticket = ++this.seq.charts;
    const { kind, head } = this.state;
    const query = currentQuery(this.state);
    if (!layersOf(meta, kind).length) return;
    const [across, entropy] = await Promise.all([
      this.env.connection.request('acrossLayers', { traceId: meta.traceId, kind, query, head }),
      this.env.connection.request('entropy', { traceId: meta.traceId, kind, query }),
    ]).catch((e: Error) => (this.across.clear(e.message), [undefined, undefined]));
    if (!across || !entropy || ticket !== this.seq.charts) return;
    this.across.update(across, axisTokens(meta, kind).keys, head, this.theme);
    this.entropy.update(entropy, head, this.theme);
  }

  private async loadTopK(): Promise<void> {
    const meta = this.meta!;
    const ticket = ++this.seq.topk;
    const step = this.state.kind === 'encoder' ? null : stepOfQuery(meta, this.state.query);
    if (step === null) {
      const why = !meta.generated.length
        ? t('panel.nothingGenerated')
        : this.state.kind === 'encoder'
          ? t('panel.topkDecoderOnly')
          : t('panel.topkNoStep');
      return this.topk.clear(why);
    }
    const r = await this.env.connection.request('topK', { traceId: meta.traceId, step }).catch((e: Error) => this.topk.clear(e.message));
    if (r && ticket === this.seq.topk) this.topk.update(r, this.theme);
  }

  /** Once per trace: the lens and hidden-state sections appear only when the trace has them. */
  private async loadLens(meta: PanelTraceMeta): Promise<void> {
    const ticket = ++this.seq.lens;
    const [lens, hidden] = await Promise.all([
      this.env.connection.request('lens', { traceId: meta.traceId }).catch(() => null),
      this.env.connection.request('hidden', { traceId: meta.traceId }).catch(() => null),
    ]);
    if (ticket !== this.seq.lens || this.meta !== meta) return;
    if (lens) {
      this.lensSection.hidden = false;
      const why = lens.unavailable.join(' ');
      if (!lens.layers.length || !lens.positions.length) {
        this.lensNote.textContent = `${t('panel.noLens')} ${why}`;
        this.lensView.element.hidden = this.lensChart.element.hidden = true;
      } else {
        this.lens = lens;
        this.lensNote.textContent = `${t('panel.lensNote', lens.positions.length)}${why ? ` ${why}` : ''}`;
        this.lensView.element.hidden = this.lensChart.element.hidden = false;
        this.lensView.set(lens, meta.positions, this.theme, this.lut, this.state.query);
        this.showLensQuery();
      }
    }
    if (hidden) {
      this.hiddenSection.hidden = false;
      this.hiddenChart.update(hidden, this.theme);
    }
  }

  private showLensQuery(): void {
    const meta = this.meta;
    const lens = this.lens;
    if (!meta || !lens) return;
    const query = this.state.kind === 'encoder' ? -1 : this.state.query;
    this.lensView.setQuery(query);
    const step = stepOfQuery(meta, query);
    const next = step !== null ? meta.generated[step] : meta.positions[query + 1];
    this.lensChart.update(lens, query, next, this.theme);
  }

  private onTheme(): void {
    this.theme = readTheme();
    this.lut = buildLut(this.theme.ramp, this.state.scale);
    this.modelView.paint(this.theme, this.lut);
    this.headView.repaint(this.theme, this.lut);
    this.lensView.repaint(this.theme, this.lut);
    if (this.meta) {
      void this.loadLens(this.meta);
      void this.loadCharts();
      void this.loadTopK();
    }
  }

  private async savePng(): Promise<void> {
    const meta = this.meta;
    if (!meta) return;
    const title = `${meta.model.name} · ${this.headTitle.textContent ?? ''}`;
    const canvas = composeView(title, this.headView.canvas, [this.topk.canvas, this.across.canvas, this.entropy.canvas], this.theme);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (blob)
      await this.env.savePng(
        `attention-L${this.state.layer}-${this.state.head === 'mean' ? 'mean' : `H${this.state.head}`}.png`,
        new Uint8Array(await blob.arrayBuffer()),
      );
  }
}
