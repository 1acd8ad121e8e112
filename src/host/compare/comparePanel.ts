/**
 * "Decoder Lens: Compare": one webview panel beside the editor showing a comparison of two runs (A vs B). The
 * report crosses whole (it is small) and the view keeps it in its state, so a WebviewPanelSerializer brings the
 * view back after a reload. A and B are stored like the panel's traces, so "show A/B in the panel" still works
 * after a reload.
 */
import * as vscode from 'vscode';
import type { CompareReport } from '../../core/compare/compare';
import { formatReport } from '../../core/compare/summary';
import type { Trace } from '../../core/trace/types';
import { reviveCompareOpen } from '../../panelData/compareReport';
import {
  type BisectReport,
  type CompareFocus,
  type CompareHostEvents,
  type CompareHostMethods,
  type CompareModels,
  type CompareOpenResult,
  type CompareRendered,
  type CompareSide,
  type CompareViewEvents,
  type CompareViewMethods,
} from '../../protocol/compare';
import { ATTENTION_KINDS, type AttentionKind } from '../../protocol/trace';
import type { PanelFocus } from '../../protocol/panel';
import { Connection, RemoteError } from '../../protocol/rpc';
import { Disposable } from '../dispose';
import { saveCompareReport } from '../panel/exportFiles';
import { TraceStorage } from '../panel/traceStorage';
import { OwnedWebviewPanel, SingletonPanel } from '../singletonPanel';
import { webviewPort } from '../webviewHtml';
import { lastSegment } from '../../panelData/pathName';
import { formatBisect } from '../../panelData/bisectText';

export type CompareHostConnection = Connection<CompareHostMethods, CompareViewMethods, CompareHostEvents, CompareViewEvents>;

/** What the host does for the view: show a side's trace in the attention panel, open the text report. */
interface CompareActions {
  openTrace(open: CompareOpenResult, side: CompareSide, focus: CompareFocus): Promise<{ shown: boolean; message?: string }>;
  openText(open: CompareOpenResult): Promise<void>;
  exportHtml(open: CompareOpenResult): Promise<{ saved: string | null }>;
  bisect(open: CompareOpenResult): Promise<{ ran: boolean; message?: string }>;
}

export class ComparePanel extends OwnedWebviewPanel {
  static readonly viewType = 'decoderLens.compare';
  readonly connection: CompareHostConnection;
  private shown?: CompareOpenResult;
  /** What the view last reported it drew (for commands and tests). */
  rendered?: CompareRendered;
  private readonly renderEmitter = new vscode.EventEmitter<CompareRendered>();
  readonly onDidRender = this.renderEmitter.event;

  constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, actions: CompareActions) {
    super(panel, extensionUri, { view: 'compare', title: 'Decoder Lens: Compare' });
    this.register(this.renderEmitter);
    const current = (compareId: string) => {
      if (this.shown?.compareId !== compareId)
        throw new Error('This comparison is no longer the one shown: run “Decoder Lens: Compare With…” again.');
      return this.shown;
    };
    this.connection = new Connection<CompareHostMethods, CompareViewMethods, CompareHostEvents, CompareViewEvents>(
      webviewPort(panel.webview),
      {
        open: () => this.shown ?? null,
        openTrace: ({ compareId, side, ...focus }) => actions.openTrace(current(compareId), side === 'a' ? 'a' : 'b', cleanFocus(focus)),
        openText: ({ compareId }) => actions.openText(current(compareId)),
        exportHtml: ({ compareId }) => actions.exportHtml(current(compareId)),
        bisect: ({ compareId }) => actions.bisect(current(compareId)),
      },
    );
    this.register(this.connection);
    this.register(
      this.connection.onEvent('rendered', (r) => {
        this.rendered = r;
        this.renderEmitter.fire(r);
      }),
    );
  }

  get comparison(): CompareOpenResult | undefined {
    return this.shown;
  }

  /** Shows a comparison: a live view is told at once, a loading one asks for it with `open`. */
  show(open: CompareOpenResult): void {
    this.shown = open;
    this.panel.title = `Compare: ${lastSegment(open.report.a.label)} vs ${lastSegment(open.report.b.label)}`;
    this.connection.notify('show', open);
  }
}

export interface ComparePanelsDeps {
  /** Shows a trace in the attention panel (AttentionPanels.show); `storedAs` names its stored copy. */
  showTrace(trace: Trace, focus: PanelFocus, storedAs?: string): Promise<unknown>;
  log?(message: string): void;
  /** Runs the layer bisector on the two models (in the worker, with progress and cancel). */
  bisect?(models: CompareModels): Thenable<BisectReport>;
}

/** The extension's entry to the compare view: one panel, reused; restored after a reload from its own state. */
export class ComparePanels extends Disposable {
  private readonly panels: SingletonPanel<ComparePanel>;
  private readonly storage: TraceStorage;
  /** The latest comparison's traces, in memory (older ones are read back from storage). */
  private live?: { compareId: string; a: Trace; b: Trace };
  private readonly loaded = new Map<string, Trace>();

  constructor(
    extensionUri: vscode.Uri,
    storageUri: vscode.Uri,
    private readonly deps: ComparePanelsDeps,
  ) {
    super();
    this.storage = new TraceStorage(storageUri);
    this.panels = this.register(
      new SingletonPanel({
        viewType: ComparePanel.viewType,
        title: 'Decoder Lens: Compare',
        extensionUri,
        wrap: (webviewPanel) =>
          new ComparePanel(webviewPanel, extensionUri, {
            openTrace: (o, side, focus) => this.openTrace(o, side, focus),
            openText: (o) => this.openText(o),
            exportHtml: async (o) => ({ saved: await saveCompareReport(o.report, extensionUri, undefined, o.bisect) }),
            bisect: async (o) => {
              try {
                await this.bisect(o);
                return { ran: true };
              } catch (error) {
                const message = bisectFailure(error);
                if (message !== null) this.deps.log?.(`Decoder Lens: the layer bisector failed: ${message}`);
                return { ran: false, ...(message !== null ? { message } : {}) };
              }
            },
          }),
        // After a reload: the view's state holds the comparison; the host takes it back from there.
        restore: (panel, state) => {
          const open = reviveCompareOpen((state as { open?: unknown } | undefined)?.open);
          if (open) panel.show(open);
        },
      }),
    );
  }

  get current(): ComparePanel | undefined {
    return this.panels.current;
  }

  /**
   * Shows a comparison beside the editor. A and B are stored in the background for after a reload. `models`:
   * both sides ran from a model (the view then offers the layer bisector).
   */
  show(result: { a: Trace; b: Trace; report: CompareReport }, models?: CompareModels): ComparePanel {
    const report = result.report;
    const ids = { a: TraceStorage.newId(), b: TraceStorage.newId() };
    const open: CompareOpenResult = {
      compareId: `c-${Date.now().toString(36)}-${ids.b.slice(-8)}`,
      report,
      traces: ids,
      ...(models ? { models } : {}),
    };
    this.live = { compareId: open.compareId, a: result.a, b: result.b };
    this.loaded.clear();
    for (const side of ['a', 'b'] as const) {
      void this.storage.save(ids[side], result[side]).catch((error: Error) => {
        open.traces[side] = null;
        this.deps.log?.(`Decoder Lens: could not store trace ${side.toUpperCase()} of the comparison: ${error.message}`);
      });
    }
    const panel = this.panels.open();
    panel.show(open);
    return panel;
  }

  /**
   * Shows side A's or B's trace in the attention panel, focused on a layer/head and on the query that predicted
   * the first differing token (what the view's buttons, Enter and double-click ask for).
   */
  async openTrace(open: CompareOpenResult, side: CompareSide, focus: CompareFocus): Promise<{ shown: boolean; message?: string }> {
    const id = open.traces[side];
    let trace = this.live?.compareId === open.compareId ? this.live[side] : undefined;
    if (!trace && id) trace = this.loaded.get(id) ?? (await this.storage.load(id));
    if (!trace)
      return { shown: false, message: `${side.toUpperCase()}’s trace is no longer stored: run “Decoder Lens: Compare With…” again.` };
    if (id) this.loaded.set(id, trace);
    const r = open.report;
    // The query that predicted the first differing token: the last position both runs share.
    const position = r.firstDifferingStep !== null && r.commonPositions > 0 ? r.commonPositions - 1 : undefined;
    await this.deps.showTrace(trace, { ...focus, position }, id ?? undefined);
    return { shown: true };
  }

  /**
   * Runs the layer bisector on a comparison's two models and shows the comparison again with its report (when
   * it is still the one shown). Rejects when it cannot run, fails or is cancelled.
   */
  async bisect(open: CompareOpenResult): Promise<BisectReport> {
    if (!open.models || !this.deps.bisect)
      throw new Error(vscode.l10n.t('This comparison is not of two models: run “Decoder Lens: Bisect Against…” to pick the second model.'));
    const report = await this.deps.bisect(open.models);
    const panel = this.panels.current;
    if (panel?.comparison?.compareId === open.compareId) {
      // The verdict is what the person asked for: bring the view back if another panel covered it meanwhile.
      this.panels.open();
      panel.show({ ...panel.comparison, bisect: report });
    }
    return report;
  }

  private async openText(open: CompareOpenResult): Promise<void> {
    const text = formatReport(open.report) + (open.bisect ? `\n${formatBisect(open.bisect)}` : '');
    const document = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }

  override dispose(): void {
    this.live = undefined;
    this.loaded.clear();
    super.dispose();
  }
}

/** Why a bisect did not run, as the view shows it (null: cancelled, nothing to say). */
export function bisectFailure(error: unknown): string | null {
  if (error instanceof RemoteError && error.payload.code === 'cancelled') return null;
  return error instanceof Error ? error.message : String(error);
}

/** Only well-formed focus fields from the view. */
function cleanFocus(f: CompareFocus): CompareFocus {
  const out: CompareFocus = {};
  if (Number.isInteger(f.layer)) out.layer = f.layer;
  if (f.head === 'mean' || (Number.isInteger(f.head) && (f.head as number) >= 0)) out.head = f.head;
  if (ATTENTION_KINDS.includes(f.kind as AttentionKind)) out.kind = f.kind;
  return out;
}
