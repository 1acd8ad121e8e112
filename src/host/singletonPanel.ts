/**
 * One reusable webview panel of a kind (the attention panel, the compare view): created beside the editor or
 * revealed there, replaced when VS Code hands one back after a window reload (its serializer), and disposed with
 * the extension. The kind's own class does the rest.
 */
import * as vscode from 'vscode';
import { Disposable, DisposableValue, type SelfDisposing } from './dispose';
import { webviewHtml, webviewOptions, type WebviewPageOptions } from './webviewHtml';

export interface PanelWrapper extends SelfDisposing {
  readonly panel: vscode.WebviewPanel;
}

export interface SingletonPanelOptions<P extends PanelWrapper> {
  viewType: string;
  /** The tab's title until the panel shows something. */
  title: string;
  extensionUri: vscode.Uri;
  /** Wraps a webview panel (new, or restored after a reload) in the kind's class. */
  wrap(webviewPanel: vscode.WebviewPanel): P;
  /** After a reload: what the webview saved with setState, to show again. */
  restore(panel: P, state: unknown): Promise<void> | void;
}

export class SingletonPanel<P extends PanelWrapper> extends Disposable {
  private readonly held = this.register(new DisposableValue<P>());

  constructor(private readonly options: SingletonPanelOptions<P>) {
    super();
    this.register(
      vscode.window.registerWebviewPanelSerializer(options.viewType, {
        deserializeWebviewPanel: async (webviewPanel, state) => {
          webviewPanel.webview.options = webviewOptions(options.extensionUri);
          await options.restore(this.adopt(webviewPanel), state);
        },
      }),
    );
  }

  /** The open panel, if any. */
  get current(): P | undefined {
    return this.held.value;
  }

  /** The panel, revealed beside the editor without taking focus (created if there is none). */
  open(): P {
    const panel =
      this.current ??
      this.adopt(
        vscode.window.createWebviewPanel(
          this.options.viewType,
          this.options.title,
          { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
          { ...webviewOptions(this.options.extensionUri), retainContextWhenHidden: false },
        ),
      );
    if (!panel.panel.visible) panel.panel.reveal(undefined, true);
    return panel;
  }

  private adopt(webviewPanel: vscode.WebviewPanel): P {
    const panel = this.options.wrap(webviewPanel);
    this.held.value = panel;
    return panel;
  }
}

/**
 * The part every panel class shares: it owns its webview panel (closing either closes both), gives it our icon
 * and its page, and says once when it is gone.
 */
export abstract class OwnedWebviewPanel extends Disposable implements PanelWrapper {
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    page: WebviewPageOptions,
  ) {
    super();
    this.register(panel);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'dist', 'media', 'decoder-lens.svg');
    panel.webview.html = webviewHtml(panel.webview, extensionUri, page);
    this.register(panel.onDidDispose(() => this.dispose()));
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }
}
