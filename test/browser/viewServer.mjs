// What the Masks view's and the compare view's browser tests share: a local server that serves the view's real
// HTML at `/` (the host's own builder, CSP and all) and its private build under `/dist/…`, and a page opened with
// the stub host as an init script that records console problems, failed requests and dialogs.
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, relative } from 'node:path';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json' };

/** `html(webview, extensionUri)`: the host's HTML builder for the view, with `workDir` as the extension root. */
export async function serveView(workDir, html) {
  const dist = join(workDir, 'dist');
  let origin = '';
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') {
      const webview = { cspSource: origin, asWebviewUri: (uri) => ({ toString: () => `${origin}/${relative(workDir, uri.path)}` }) };
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html(webview, { path: workDir }));
      return;
    }
    const file = normalize(join(workDir, path));
    if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Opens the view with the stub host reading `window[configName]`; collects console problems, failed requests and dialogs. */
export async function openStubbedView(context, origin, stub, configName, config) {
  const page = await context.newPage();
  const problems = [];
  const dialogs = [];
  page.on(
    'console',
    (m) =>
      (m.type() === 'error' || m.type() === 'warning') &&
      !/willReadFrequently|Failed to load resource/.test(m.text()) &&
      problems.push(`${m.type()}: ${m.text()}`),
  );
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`HTTP ${r.status()} ${r.url()}`));
  page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
  await page.addInitScript({ content: `window.${configName} = ${JSON.stringify(config)};\n${stub}` });
  await page.goto(`${origin}/`);
  return { page, problems, dialogs };
}
