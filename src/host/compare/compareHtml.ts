import * as vscode from 'vscode';
import { webviewHtml } from '../webviewHtml';

/**
 * The shared webview page (strict CSP, nonce, codicons), the panel's stylesheet for the theme aliases (--dl-*),
 * headings, notes and charts, then the compare view's own.
 */
export function compareHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const html = webviewHtml(webview, extensionUri, 'compare.js', 'Decoder Lens: Compare');
  const link = (name: string) =>
    `<link rel="stylesheet" href="${webview
      .asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'media', name))
      .toString()
      .replace(/"/g, '%22')}">`;
  return html.replace('</head>', `${link('panel.css')}\n${link('compare.css')}\n</head>`);
}
