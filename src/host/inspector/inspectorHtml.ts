import * as vscode from 'vscode';
import { webviewHtml } from '../webviewHtml';

/** The shared webview page (strict CSP, nonce, codicons) plus the inspector's own stylesheet. */
export function inspectorHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const html = webviewHtml(webview, extensionUri, 'inspector.js', 'Decoder Lens: Masks');
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'media', 'inspector.css')).toString();
  return html.replace('</head>', `<link rel="stylesheet" href="${css.replace(/"/g, '%22')}">\n</head>`);
}
