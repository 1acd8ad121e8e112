import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { BASE_STYLE, VIEW_PAGES, type ViewName } from '../panelData/viewPages';
import type { Port, Wire } from '../protocol/rpc';
import type { ViewStrings } from '../protocol/strings';
import { webviewStrings } from './webviewStrings';

/** Only the extension's bundles and media may load into a webview. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
  };
}

export interface WebviewPageOptions {
  /** Which view: its bundle and stylesheets come from VIEW_PAGES. */
  view: ViewName;
  title: string;
  /** The view's labels (default: the display language's, see webviewStrings.ts). */
  strings?: ViewStrings;
}

/**
 * The page every webview starts from: a strict CSP (a nonce for our one script, no inline code, no eval),
 * codicons, the shared and the view's own stylesheets, and a root element the bundle fills in.
 */
export function webviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  { view, title, strings = webviewStrings() }: WebviewPageOptions,
): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...p: string[]) =>
    webview
      .asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', ...p))
      .toString()
      .replace(/"/g, '%22');
  const { bundle, styles } = VIEW_PAGES[view];
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('media', 'codicon.css')}" id="vscode-codicon-stylesheet">
${[BASE_STYLE, ...styles].map((name) => `<link rel="stylesheet" href="${asset('media', name)}">`).join('\n')}
<title>${escapeHtml(title)}</title>
</head>
<body>
<main id="root" data-strings="${escapeHtml(JSON.stringify(strings))}"></main>
<script nonce="${nonce}" src="${asset('webview', bundle)}"></script>
</body>
</html>`;
}

export function webviewPort(webview: vscode.Webview): Port {
  return {
    post: (message: Wire) => void webview.postMessage(message),
    onMessage: (listener) => webview.onDidReceiveMessage((m: Wire) => listener(m)),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
