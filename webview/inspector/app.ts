/**
 * The Masks view: renders the host's snapshot (runs, findings, grids, comparison), keeps its own state with
 * setState, and sends the edited mask back for a rerun. After each render it tells the host what it shows.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { Connection } from '../../src/protocol/rpc';
import type {
  InspectorGrid,
  InspectorHostEvents,
  InspectorHostMethods,
  InspectorSnapshot,
  InspectorViewEvents,
  InspectorViewMethods,
} from '../../src/protocol/inspector';
import type { AttentionKind } from '../../src/protocol/trace';
import { buildLut } from '../../src/panelData/colorScale';
import { el } from '../shared/dom';
import { t, tn } from '../shared/strings';
import { onThemeChange, readTheme } from '../shared/theme';
import { CompareView } from './compareView';
import { FindingsList } from './findingsList';
import { LayerPicker } from './layerPicker';
import { ImpliedGrid } from './impliedGrid';
import { isPartial, MaskGrid, sentCell } from './maskGrid';
import { MaskStrip } from './maskStrip';
import { RunBar } from './runBar';
import { findingCells, findingPlace, gridOf, hiddenCount, kindsOf, maskOf, readState, reconcile, runOf, type ViewState } from './state';

export type InspectorConnection = Connection<InspectorViewMethods, InspectorHostMethods, InspectorViewEvents, InspectorHostEvents>;

export interface InspectorEnv {
  connection: InspectorConnection;
  getState(): unknown;
  setState(state: unknown): void;
}

export class InspectorApp {
  private snapshot: InspectorSnapshot | null = null;
  private state?: ViewState;
  private theme = readTheme();
  private lut = buildLut(this.theme.ramp, 'sqrt');
  private busy = false;
  private readonly runBar = new RunBar({
    run: (id) => this.switchRun(id),
    reset: () => void this.call(() => this.env.connection.request('reset', {})),
  });
  private readonly strip = new MaskStrip((mask) => this.edit(mask));
  private readonly rerunButton = el('vscode-button', { className: 'rerun', attrs: { icon: 'debug-rerun' } }, t('inspector.rerun'));
  private readonly maskStatus = el('span', { className: 'mask-status muted' });
  private readonly error = el('p', { className: 'error', attrs: { role: 'alert' } });
  private readonly findings = new FindingsList((i) => this.pickFinding(i));
  private readonly picker = new LayerPicker({
    kind: (kind) => this.update({ kind, finding: null }),
    layer: (layer) => this.update({ layer, finding: null }),
  });
  private readonly grid = new MaskGrid((q, k) => this.zoomTo(q, k));
  private readonly implied = new ImpliedGrid();
  /** The block shown at full resolution (a click on a downsampled grid), for the grid it was picked on. */
  private zoom: { key: string; q0: number; k0: number } | null = null;
  /** Grids asked of the host at the size drawn (the snapshot's are at most OVERVIEW_CELLS a side), by request key. */
  private readonly detail = new Map<string, InspectorGrid | 'pending'>();
  private readonly zoomText = el('span', { className: 'zoom-text muted' });
  private readonly zoomBack = el('vscode-button', { className: 'zoom-back', attrs: { secondary: '' } }, t('inspector.zoom.back'));
  private readonly zoomBar = el('p', { className: 'zoom-bar' }, this.zoomText, this.zoomBack);
  private readonly gridTitle = el('h3', { className: 'grid-title' });
  private readonly gridSummary = el('p', { className: 'grid-summary' });
  private readonly compare = new CompareView();
  private readonly maskHeading = el('h2', {}, t('inspector.inputMask'));
  private readonly content: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly env: InspectorEnv,
  ) {
    this.rerunButton.addEventListener('click', () => this.rerun());
    this.zoomBack.addEventListener('click', () => {
      this.zoom = null;
      this.render();
    });
    this.content = el(
      'div',
      { className: 'inspector' },
      this.runBar.element,
      el(
        'section',
        { className: 'input-mask' },
        this.maskHeading,
        this.strip.element,
        el('div', { className: 'mask-actions' }, this.rerunButton, this.maskStatus),
        this.error,
      ),
      el('section', { className: 'checks' }, el('h2', {}, t('inspector.checks')), this.findings.element),
      el(
        'section',
        { className: 'effective' },
        el('h2', {}, t('inspector.applied')),
        this.picker.element,
        this.gridTitle,
        this.zoomBar,
        this.grid.element,
        legend(),
        this.gridSummary,
        this.implied.element,
      ),
      this.compare.element,
    );
    onThemeChange(() => {
      this.theme = readTheme();
      this.lut = buildLut(this.theme.ramp, 'sqrt');
      this.render();
    });
    new ResizeObserver(() => this.snapshot && this.render()).observe(root);
  }

  async start(): Promise<void> {
    const c = this.env.connection;
    c.onEvent('snapshot', (s) => this.show(s));
    c.onEvent('busy', ({ busy, message }) => {
      this.busy = busy;
      if (busy) this.maskStatus.textContent = message ?? t('inspector.working');
      this.renderMask();
    });
    this.root.replaceChildren(el('p', { className: 'empty-state' }, t('inspector.loading')));
    this.show(await c.request('open', {}));
  }

  private show(snapshot: InspectorSnapshot | null): void {
    const previous = this.snapshot;
    this.snapshot = snapshot;
    // Grids asked for belong to the snapshot they came with (a rerun or the graph facts change them).
    this.detail.clear();
    if (!snapshot) {
      this.root.replaceChildren(el('p', { className: 'empty-state' }, t('inspector.empty')));
      return;
    }
    const saved = this.state ?? readState(this.env.getState());
    // A rerun the view has not seen yet (it just finished) is shown at once, with its mask as the one to edit.
    const rerun =
      previous?.seq === snapshot.seq
        ? snapshot.runs.find((r) => r.role === 'rerun' && !previous.runs.some((p) => p.runId === r.runId))
        : undefined;
    this.state = reconcile(rerun && saved ? { ...saved, runId: rerun.runId, pending: null } : saved, snapshot);
    if (this.root.firstChild !== this.content) this.root.replaceChildren(this.content);
    this.render();
  }

  private update(change: Partial<ViewState>): void {
    if (!this.snapshot || !this.state) return;
    this.state = reconcile({ ...this.state, ...change }, this.snapshot);
    this.render();
  }

  private render(): void {
    const s = this.snapshot;
    const state = this.state;
    if (!s || !state) return;
    this.env.setState(state);
    const run = runOf(s, state.runId);
    this.runBar.update(s, run.runId);
    this.renderMask();
    this.findings.update(s, state.finding);
    this.picker.update(kindsOf(run), state.kind, run.grids, state.layer, this.theme, this.lut);
    const overview = gridOf(run, state.kind, state.layer);
    const grid = overview && this.shown(run.runId, overview);
    if (grid) {
      const encoderDecoder = s.model.architecture === 'encoder-decoder';
      const queryTokens = grid.kind === 'encoder' ? run.inputTokens : run.positions;
      const keyTokens = grid.kind === 'self' ? run.positions : run.inputTokens;
      this.gridTitle.textContent = t(
        'inspector.gridTitle',
        grid.layer,
        t(
          grid.kind === 'self'
            ? encoderDecoder
              ? 'inspector.kind.decoderSelf'
              : 'kindInline.self'
            : grid.kind === 'cross'
              ? 'kindInline.cross'
              : 'inspector.kind.encoderSelf',
        ),
        run.label,
      );
      this.grid.draw({
        grid,
        queryTokens,
        keyTokens,
        causal: grid.kind === 'self',
        highlight: findingCells(s, state.finding, run.runId, grid.kind, grid.layer).flatMap(([q, k]) => {
          const cell = sentCell(grid, q, k);
          return cell ? [cell] : [];
        }),
        theme: this.theme,
        lut: this.lut,
      });
      this.gridSummary.textContent = summary(grid.kind, grid.applied !== null, grid.differing);
      this.zoomBar.hidden = !isPartial(grid);
      this.zoomBack.hidden = !this.zoom;
      this.zoomText.textContent =
        grid.qStep > 1 || grid.kStep > 1
          ? t('inspector.zoom.hint', grid.qStep, grid.kStep)
          : t('inspector.zoom.region', grid.q0, grid.q0 + grid.rows - 1, grid.k0, grid.k0 + grid.cols - 1);
      this.implied.update(grid, queryTokens, keyTokens, this.theme, this.lut, this.grid.cells);
    } else {
      this.gridTitle.textContent = t('inspector.noAttention');
      this.gridSummary.textContent = run.notes.join(' ');
      this.zoomBar.hidden = true;
      this.implied.update(undefined, [], [], this.theme, this.lut);
    }
    const base = s.comparison && s.runs.find((r) => r.runId === s.comparison!.baseRunId);
    const other = s.comparison && s.runs.find((r) => r.runId === s.comparison!.otherRunId);
    this.compare.element.hidden = !(s.comparison && base && other);
    if (s.comparison && base && other) this.compare.update(s.comparison, base, other, this.theme, this.lut);
    this.env.connection.notify('rendered', {
      seq: s.seq,
      runId: run.runId,
      kind: state.kind,
      layer: state.layer,
      pendingMask: maskOf(state, run),
      firstChanged: this.compare.element.hidden ? null : (this.compare.element.querySelector('.first-changed')?.textContent ?? null),
      generated: Object.fromEntries(s.runs.map((r) => [r.runId, r.generatedText])),
      findings: s.findings.length,
      grid: grid ? { rows: grid.rows, cols: grid.cols, qStep: grid.qStep, kStep: grid.kStep, q0: grid.q0, k0: grid.k0 } : null,
      implied: grid?.implied ? (this.implied.element.querySelector('.implied-title')?.textContent ?? null) : null,
    });
  }

  /**
   * The grid to draw: the snapshot's when it is whole, else the one asked of the host at the canvas's size (or the
   * zoomed block at full resolution). Until the answer comes the snapshot's downsampled one is drawn.
   */
  private shown(runId: string, overview: InspectorGrid): InspectorGrid {
    const place = `${runId}|${overview.kind}|${overview.layer}`;
    const zoom = this.zoom?.key === place ? this.zoom : null;
    if (!zoom && !isPartial(overview)) return overview;
    // Cells the canvas can show (2 px each at least), in steps of 32 so a resize does not ask again for a few pixels.
    const side = Math.max(32, Math.floor((this.grid.element.clientWidth || 300) / 2 / 32) * 32);
    const request = zoom
      ? { q0: zoom.q0, k0: zoom.k0, rows: ZOOM_CELLS, cols: ZOOM_CELLS, maxRows: ZOOM_CELLS, maxCols: ZOOM_CELLS }
      : { maxRows: side, maxCols: side };
    const key = `${place}|${JSON.stringify(request)}`;
    const known = this.detail.get(key);
    if (known && known !== 'pending') return known;
    if (!known) {
      this.detail.set(key, 'pending');
      const snapshot = this.snapshot;
      void this.env.connection
        .request('grid', { runId, kind: overview.kind, layer: overview.layer, ...request })
        .then((grid) => {
          if (this.snapshot !== snapshot || !grid) return;
          this.detail.set(key, grid);
          this.render();
        })
        .catch(() => this.detail.delete(key));
    }
    return overview;
  }

  /** A click on a downsampled grid: that place at full resolution, centred on the cell. */
  private zoomTo(q: number, k: number): void {
    const s = this.snapshot;
    const state = this.state;
    if (!s || !state) return;
    const place = `${runOf(s, state.runId).runId}|${state.kind}|${state.layer}`;
    const half = ZOOM_CELLS / 2;
    this.zoom = { key: place, q0: Math.max(0, q - half), k0: Math.max(0, k - half) };
    this.render();
  }

  private renderMask(): void {
    const s = this.snapshot;
    const state = this.state;
    if (!s || !state) return;
    const run = runOf(s, state.runId);
    const mask = maskOf(state, run);
    const encoderDecoder = s.model.architecture === 'encoder-decoder';
    this.maskHeading.replaceChildren(
      t(encoderDecoder ? 'inspector.sourceMask' : 'inspector.inputMask'),
      el('code', {}, encoderDecoder ? 'encoder_attention_mask' : 'attention_mask'),
    );
    this.strip.update(run.inputTokens, mask, run.inputMask, encoderDecoder);
    const edited = mask.some((v, i) => v !== run.inputMask[i]);
    const allHidden = !mask.includes(1);
    const disabled = this.busy || allHidden;
    this.rerunButton.toggleAttribute('disabled', disabled);
    this.rerunButton.setAttribute('aria-disabled', String(disabled));
    if (!this.busy)
      this.maskStatus.textContent = allHidden
        ? t('inspector.allHidden')
        : t(edited ? 'inspector.maskStatusEdited' : 'inspector.maskStatus', hiddenCount(mask), mask.length);
  }

  private edit(mask: number[]): void {
    if (!this.state) return;
    this.state = { ...this.state, pending: mask };
    this.env.setState(this.state);
    this.error.textContent = '';
    this.renderMask();
  }

  private rerun(): void {
    const s = this.snapshot;
    const state = this.state;
    if (!s || !state || this.busy) return;
    const mask = maskOf(state, runOf(s, state.runId));
    void this.call(() => this.env.connection.request('rerun', { mask: Uint8Array.from(mask) }));
  }

  private switchRun(runId: string): void {
    this.update({ runId, pending: null, finding: null });
    void this.env.connection.request('activate', { runId }).catch(() => undefined);
  }

  private pickFinding(index: number): void {
    if (!this.snapshot) return;
    const place = findingPlace(this.snapshot, index);
    const change: Partial<ViewState> = { finding: index, runId: place.runId };
    if (place.kind !== undefined) change.kind = place.kind;
    if (place.layer !== undefined) change.layer = place.layer;
    if (this.state && place.runId !== this.state.runId)
      void this.env.connection.request('activate', { runId: place.runId }).catch(() => undefined);
    this.update(change);
    // On a downsampled grid, the finding's first cell at full resolution.
    const cells = this.snapshot.findings[index].cells;
    const run = this.state && runOf(this.snapshot, this.state.runId);
    const overview = run && this.state && gridOf(run, this.state.kind, this.state.layer);
    if (cells.length && overview && isPartial(overview)) this.zoomTo(cells[2], cells[3]);
    this.grid.canvas.scrollIntoView({ block: 'nearest' });
  }

  /** A request whose answer is a new snapshot; its error is shown under the mask. */
  private async call(request: () => Promise<InspectorSnapshot | null>): Promise<void> {
    this.error.textContent = '';
    try {
      this.show(await request());
    } catch (error) {
      this.error.textContent = (error as Error).message;
    }
  }
}

/** Cells a side of a zoomed block. */
const ZOOM_CELLS = 48;

function summary(kind: AttentionKind, captured: boolean, differing: number): string {
  if (!captured && differing) return tn(differing, 'inspector.summary.uncapturedReads.one', 'inspector.summary.uncapturedReads.other');
  if (!captured) return t('inspector.summary.uncapturedAgrees');
  if (differing)
    return kind === 'self'
      ? tn(differing, 'inspector.summary.differsCausal.one', 'inspector.summary.differsCausal.other')
      : tn(differing, 'inspector.summary.differs.one', 'inspector.summary.differs.other');
  if (kind === 'self') return t('inspector.summary.causalOk');
  return t(kind === 'cross' ? 'inspector.summary.crossOk' : 'inspector.summary.encoderOk');
}

function legend(): HTMLElement {
  const item = (cls: string, text: string) =>
    el('span', { className: 'legend-item' }, el('span', { className: `swatch ${cls}`, attrs: { 'aria-hidden': 'true' } }), text);
  return el(
    'p',
    { className: 'grid-legend' },
    item('visible', t('inspector.legend.visible')),
    item('hidden', t('inspector.legend.hidden')),
    item('differs', t('inspector.legend.differs')),
    item('picked', t('inspector.legend.picked')),
  );
}
