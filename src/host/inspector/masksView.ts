import * as vscode from 'vscode';
import { webviewHtml, webviewOptions } from '../webviewHtml';

/** The "Masks" view in the Decoder Lens side bar (the mask inspector, issue 7, fills it in). */
export class MasksViewProvider implements vscode.WebviewViewProvider {
  static readonly viewId = 'decoderLens.masks';

  constructor(private readonly extensionUri: vscode.Uri) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'inspector.js', 'Masks');
  }
}
