/**
 * "Decoder Lens: Interventions": one webview panel beside the editor charting the latest head ranking, occlusion
 * and activation patching. The results are small plain JSON; the view keeps them in its state, so a
 * WebviewPanelSerializer brings the view back after a reload (the host takes them back from that state).
 */
import * as vscode from 'vscode';
import {
  type InterventionResult,
  type InterventionsHostEvents,
  type InterventionsHostMethods,
  type InterventionsOpen,
  type InterventionsRendered,
  type InterventionsViewEvents,
  type InterventionsViewMethods,
  type InterventionKind,
  INTERVENTION_KINDS,
  reviveInterventions,
} from '../../protocol/interventions';
import { Connection } from '../../protocol/rpc';
import { Disposable } from '../dispose';
import { OwnedWebviewPanel, SingletonPanel } from '../singletonPanel';
import { webviewPort } from '../webviewHtml';
import { occlusionText, patchingText, rankingText } from './interventionText';

export type InterventionsHostConnection = Connection<
  InterventionsHostMethods,
  InterventionsViewMethods,
  InterventionsHostEvents,
  InterventionsViewEvents
>;

const TITLE = 'Decoder Lens: Interventions';

export class InterventionsPanel extends OwnedWebviewPanel {
  static readonly viewType = 'decoderLens.interventions';
  readonly connection: InterventionsHostConnection;
  private shown: InterventionsOpen = {};
  /** What the view last reported it drew, per kind (for commands and tests). */
  readonly rendered = new Map<InterventionKind, InterventionsRendered>();
  private readonly renderEmitter = new vscode.EventEmitter<InterventionsRendered>();
  readonly onDidRender = this.renderEmitter.event;

  constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri) {
    super(panel, extensionUri, { view: 'interventions', title: TITLE });
    this.register(this.renderEmitter);
    this.connection = new Connection<InterventionsHostMethods, InterventionsViewMethods, InterventionsHostEvents, InterventionsViewEvents>(
      webviewPort(panel.webview),
      {
        open: () => (this.shown.latest ? this.shown : null),
        openText: ({ id }) => this.openText(id),
      },
    );
    this.register(this.connection);
    this.register(
      this.connection.onEvent('rendered', (r) => {
        this.rendered.set(r.kind, r);
        this.renderEmitter.fire(r);
      }),
    );
  }

  get results(): InterventionsOpen {
    return this.shown;
  }

  /** Shows a result: a live view is told at once, a loading one asks for the results with `open`. */
  show(result: InterventionResult): void {
    this.shown = { ...this.shown, [result.kind]: result, latest: result.kind };
    this.connection.notify('show', result);
  }

  /** After a reload: the results the view had saved. */
  restore(open: InterventionsOpen): void {
    this.shown = open;
  }

  /** Opens a shown result as a text report beside the view (the view's "Open as text"). */
  async openText(id: string): Promise<void> {
    const result = INTERVENTION_KINDS.map((k) => this.shown[k]).find((r) => r?.id === id);
    if (!result) throw new Error('This result is no longer the one shown: run the command again.');
    const content =
      result.kind === 'ranking' ? rankingText(result) : result.kind === 'occlusion' ? occlusionText(result) : patchingText(result);
    await openTextReport(content);
  }
}

/** A text report beside the editor, as an untitled plain-text document. */
export async function openTextReport(content: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument({ content, language: 'plaintext' });
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}

/** The extension's entry to the interventions view: one panel, reused; restored after a reload from its own state. */
export class InterventionsPanels extends Disposable {
  private readonly panels: SingletonPanel<InterventionsPanel>;

  constructor(extensionUri: vscode.Uri) {
    super();
    this.panels = this.register(
      new SingletonPanel({
        viewType: InterventionsPanel.viewType,
        title: TITLE,
        extensionUri,
        wrap: (webviewPanel) => new InterventionsPanel(webviewPanel, extensionUri),
        restore: (panel, state) => {
          const open = reviveInterventions((state as { open?: unknown } | undefined)?.open);
          if (open) panel.restore(open);
        },
      }),
    );
  }

  get current(): InterventionsPanel | undefined {
    return this.panels.current;
  }

  /** Shows a result beside the editor (the panel is created or revealed without taking focus). */
  show(result: InterventionResult): InterventionsPanel {
    const panel = this.panels.open();
    panel.show(result);
    return panel;
  }

  /** A new result id, unique within the session. */
  static newId(kind: InterventionKind): string {
    return `${kind}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  }
}
