/**
 * `.dltrace` files open by double-click: a read-only custom editor whose tab is an attention panel showing the
 * saved trace (the same webview the Open Trace command fills). Opening one also points the Masks view at it,
 * as Open Trace does. A file that is not a trace fails to open with a message naming it.
 */
import * as vscode from 'vscode';
import type { Trace } from '../../core/trace/types';
import { PanelDataService } from '../../panelData/serve';
import { toPanelData } from '../../panelData/fromTrace';
import { Disposable } from '../dispose';
import { AttentionPanel } from '../panel/attentionPanel';
import { TraceStorage } from '../panel/traceStorage';
import { readTrace } from '../traceFiles';
import { webviewOptions } from '../webviewHtml';

export class TraceDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    readonly trace: Trace,
  ) {}
  dispose(): void {
    // Nothing to release: the trace is plain data.
  }
}

export class TraceEditorProvider extends Disposable implements vscode.CustomReadonlyEditorProvider<TraceDocument> {
  static readonly viewType = 'decoderLens.traceEditor';
  /** The panel each open trace file shows in (for tests and commands). */
  readonly panels = new Map<string, AttentionPanel>();
  private readonly openedEmitter = this.register(new vscode.EventEmitter<{ document: TraceDocument; panel: AttentionPanel }>());
  readonly onDidOpen = this.openedEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    /** What Open Trace does besides the panel (the Masks view follows the trace). */
    private readonly opened: (trace: Trace) => void,
  ) {
    super();
    this.register(
      vscode.window.registerCustomEditorProvider(TraceEditorProvider.viewType, this, {
        webviewOptions: { retainContextWhenHidden: false },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
  }

  async openCustomDocument(uri: vscode.Uri): Promise<TraceDocument> {
    return new TraceDocument(uri, await readTrace(uri));
  }

  resolveCustomEditor(document: TraceDocument, webviewPanel: vscode.WebviewPanel): void {
    webviewPanel.webview.options = webviewOptions(this.extensionUri);
    const panel = new AttentionPanel(webviewPanel, this.extensionUri);
    const id = TraceStorage.newId();
    panel.show({ id, service: new PanelDataService(toPanelData(document.trace, id)), focusSeq: 0 });
    const key = document.uri.toString();
    this.panels.set(key, panel);
    panel.onDidDispose(() => this.panels.get(key) === panel && this.panels.delete(key));
    this.opened(document.trace);
    this.openedEmitter.fire({ document, panel });
  }

  override dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
    this.panels.clear();
    super.dispose();
  }
}
