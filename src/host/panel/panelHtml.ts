import * as vscode from 'vscode';
import { webviewHtml } from '../webviewHtml';

/** The shared webview page (strict CSP, nonce, codicons) plus the panel's own stylesheet. */
export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const html = webviewHtml(webview, extensionUri, 'panel.js', 'Decoder Lens: Attention');
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'media', 'panel.css')).toString();
  return html.replace('</head>', `<link rel="stylesheet" href="${css.replace(/"/g, '%22')}">\n</head>`);
}
