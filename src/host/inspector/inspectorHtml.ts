import * as vscode from 'vscode';
import { webviewHtml } from '../webviewHtml';

/**
 * The shared webview page (strict CSP, nonce, codicons), the panel's stylesheet for the shared theme aliases
 * (--dl-*), headings and readouts, then the inspector's own.
 */
export function inspectorHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const html = webviewHtml(webview, extensionUri, 'inspector.js', 'Decoder Lens: Masks');
  const link = (name: string) =>
    `<link rel="stylesheet" href="${webview
      .asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'media', name))
      .toString()
      .replace(/"/g, '%22')}">`;
  return html.replace('</head>', `${link('panel.css')}\n${link('inspector.css')}\n</head>`);
}
