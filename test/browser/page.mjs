// The test page: the panel's real HTML (rendered by the host's builder, with its CSP), served over HTTP with the
// built bundle, and a stub host injected as an init script (init scripts are not subject to the page's CSP).
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { dirname, extname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { bundleStub, viewNodeHelpers } from './viewPage.mjs';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const outDir = join(repoRoot, 'test-results', 'browser');
export const shotsDir = join(repoRoot, 'test-results', 'screenshots');

/** Rebuilds the bundles (without the type check) when a webview or media file is newer than dist. */
export function ensureBuilt() {
  const bundle = join(repoRoot, 'dist', 'webview', 'panel.js');
  const newest = (dir) =>
    readdirSync(dir, { recursive: true })
      .map((f) => join(dir, f))
      .filter((f) => statSync(f).isFile())
      .reduce((m, f) => Math.max(m, statSync(f).mtimeMs), 0);
  const sources = Math.max(newest(join(repoRoot, 'webview')), newest(join(repoRoot, 'media')), newest(join(repoRoot, 'src', 'protocol')));
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return;
  console.log('building (node scripts/build.mjs --no-typecheck) …');
  const r = spawnSync(process.execPath, ['scripts/build.mjs', '--no-typecheck'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

/** Node-side helpers from the host's own sources (vscode replaced by a stub): HTML, report, trace file. */
export async function hostModules() {
  mkdirSync(outDir, { recursive: true });
  return viewNodeHelpers({
    outfile: join(outDir, 'host-helpers.mjs'),
    view: 'panel',
    title: 'Decoder Lens: Attention',
    exports: `export { reportHtml, readReportAssets } from './src/panelData/node/reportHtml';
export { toPanelData } from './src/panelData/fromTrace';
export { decodeTrace, encodeTrace } from './src/core/trace/file';`,
  });
}

/** The stub host as one script for page.addInitScript. */
export const stubScript = () => bundleStub('stubHost.mjs');

const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** Serves `/` as the panel page and `/dist/…` from the repository's dist folder. */
export async function startServer(host) {
  let origin = '';
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/' || path === '/index.html') {
      const webview = { cspSource: origin, asWebviewUri: (uri) => ({ toString: () => `${origin}/${relative(repoRoot, uri.path)}` }) };
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(host.panelHtml(webview, { path: repoRoot }));
      return;
    }
    const file = normalize(join(repoRoot, path));
    if (!file.startsWith(join(repoRoot, 'dist')) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise((resolve) => server.close(resolve)) };
}

// Theme variables as VS Code sets them (a subset of Dark Modern / Light Modern).
export const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-editor-foreground': '#cccccc',
      '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-settings-dropdownBackground': '#313131',
      '--vscode-settings-dropdownForeground': '#cccccc',
      '--vscode-settings-dropdownBorder': '#3c3c3c',
      '--vscode-checkbox-background': '#313131',
      '--vscode-checkbox-border': '#3c3c3c',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': 'monospace',
      '--vscode-editor-background': '#ffffff',
      '--vscode-editor-foreground': '#3b3b3b',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-settings-dropdownBackground': '#ffffff',
      '--vscode-settings-dropdownForeground': '#3b3b3b',
      '--vscode-settings-dropdownBorder': '#cecece',
      '--vscode-checkbox-background': '#f8f8f8',
      '--vscode-checkbox-border': '#cecece',
    },
  },
};

/** Opens the panel page with the stub host serving `config` (trace bytes as base64, or a synthetic spec). */
export async function openPanel(context, origin, stub, config, { timeout = 30_000 } = {}) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    // The tests' own getImageData reads draw Chromium's willReadFrequently hint; resource errors are logged per URL below.
    if ((m.type() === 'error' || m.type() === 'warning') && !/willReadFrequently|Failed to load resource/.test(m.text()))
      problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`HTTP ${r.status()} ${r.url()}`));
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.addInitScript({ content: `window.__dlConfig = ${JSON.stringify({ theme: THEMES.dark, ...config })};\n${stub}` });
  // A large synthetic trace is generated and served inside the page: its load can take longer than the default.
  await page.goto(`${origin}/`, { timeout });
  return { page, problems, dialogs };
}
