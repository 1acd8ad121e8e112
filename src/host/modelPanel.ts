import * as vscode from 'vscode';
import { Connection } from '../protocol/rpc';
import type { PanelEvents, PanelHostMethods, PanelMethods } from '../protocol/panel';
import { Disposable } from './dispose';
import { webviewHtml, webviewOptions, webviewPort } from './webviewHtml';

type PanelConnection = Connection<PanelHostMethods, PanelMethods, Record<string, never>, PanelEvents>;

/** The panel beside the editor; one instance, reused. */
export class ModelPanel extends Disposable {
  static readonly viewType = 'decoderLens.panel';
  private static current: ModelPanel | undefined;
  readonly connection: PanelConnection;

  static show(extensionUri: vscode.Uri): ModelPanel {
    if (ModelPanel.current && !ModelPanel.current.isDisposed) {
      ModelPanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
      return ModelPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(ModelPanel.viewType, 'Decoder Lens', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(extensionUri));
    return (ModelPanel.current = new ModelPanel(panel, extensionUri));
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
  ) {
    super();
    this.register(panel);
    const port = webviewPort(panel.webview);
    this.connection = new Connection(port, {});
    this.register({ dispose: () => this.connection.dispose() });
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'panel.js', 'Decoder Lens');
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'dist', 'media', 'decoder-lens.svg');
    this.register(panel.onDidDispose(() => this.dispose()));
  }
}
