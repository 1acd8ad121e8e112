/* global window -- assertCleanPage reads the stub's record in the page */
// What every view's test page builds the same way: the view's bundle and the stylesheets it links in a private
// folder (other engineers' builds wipe dist/), the view's real HTML from the host's builder (vscode stubbed), and
// a stub host bundled into one init script.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { repoRoot } from './page.mjs';

const require = createRequire(import.meta.url);

/**
 * webview/<view>/main.ts as dist/webview/<view>.js, the codicons and `stylesheets` from media/ under `dist`, and,
 * with `cli`, src/cli.ts bundled to that path — with the options scripts/build.mjs uses.
 */
export async function buildViewAssets({ dist, view, stylesheets, cli }) {
  const common = { bundle: true, logLevel: 'warning', legalComments: 'none' };
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: [join(repoRoot, 'webview', view, 'main.ts')],
      outfile: join(dist, 'webview', `${view}.js`),
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      sourcemap: true,
    }),
    cli &&
      esbuild.build({
        ...common,
        entryPoints: [join(repoRoot, 'src', 'cli.ts')],
        outfile: cli,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        external: ['vscode', 'onnxruntime-node'],
      }),
  ]);
  const media = join(dist, 'media');
  mkdirSync(media, { recursive: true });
  const codicons = dirname(require.resolve('@vscode/codicons/dist/codicon.css'));
  for (const f of ['codicon.css', 'codicon.ttf']) cpSync(join(codicons, f), join(media, f));
  for (const f of stylesheets) cpSync(join(repoRoot, 'media', f), join(media, f));
}

/**
 * Node-side helpers bundled from the sources into `outfile` (vscode stubbed): `<view>Html` (the
 * view's page from src/host/webviewHtml with `title`), plus `exports` (more source lines, e.g. re-exports of core
 * modules; those that load onnxruntime-node need `node: true` so it stays external and `require` works).
 */
export async function viewNodeHelpers({ outfile, view, title, exports = '', node = false }) {
  await esbuild.build({
    stdin: {
      contents: `import { webviewHtml } from './src/host/webviewHtml';
export const ${view}Html = (webview, extensionUri) => webviewHtml(webview, extensionUri, { view: '${view}', title: ${JSON.stringify(title)} });
${exports}`,
      resolveDir: repoRoot,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'warning',
    ...(node && {
      external: ['onnxruntime-node'],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    }),
    alias: { vscode: join(repoRoot, 'test', 'browser', 'vscodeStub.mjs') },
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

/** test/browser/<file> bundled (iife) into one script for page.addInitScript. */
export async function bundleStub(file) {
  const r = await esbuild.build({
    entryPoints: [join(repoRoot, 'test', 'browser', file)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  return r.outputFiles[0].text;
}

/**
 * The page `viewHtml` (a `<view>Html` helper) renders for a webview: a strict CSP (nothing by default, scripts only
 * by a nonce of 16+ characters, nothing unsafe), exactly one script — dist/webview/`script` carrying that nonce —
 * and links to each of `stylesheets` under dist/media.
 */
export function assertStrictViewHtml(viewHtml, script, stylesheets) {
  const html = viewHtml(
    { cspSource: 'https://x.vscode-cdn.net', asWebviewUri: (u) => ({ toString: () => `https://x.vscode-cdn.net${u.path}` }) },
    { path: '/ext' },
  );
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.ok(csp, 'no CSP meta');
  assert.match(csp, /default-src 'none'/);
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
  assert.ok(nonce && nonce.length >= 16, csp);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const src = `dist/webview/${script}`.replace(/[.]/g, '\\.');
  assert.match(html, new RegExp(`<script nonce="${nonce.replace(/[+/=]/g, '\\$&')}" src="[^"]+/${src}">`));
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'exactly one script');
  for (const css of stylesheets) assert.match(html, new RegExp(`dist/media/${css.replace('.', '\\.')}`));
}

/** The page recorded no CSP violation or script error (the stub's record), and saw no dialog or console problem. */
export async function assertCleanPage(page, problems, dialogs) {
  const rec = await page.evaluate(() => window.__dl);
  assert.deepEqual(rec.violations, []);
  assert.deepEqual(rec.errors, []);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(problems, []);
}
