// The compare view's test page: the view's bundle (webview/compare/main.ts, built as scripts/build.mjs builds
// dist/webview/compare.js) and stylesheets in a private folder (other engineers' builds wipe dist/), its real HTML
// (the host's builder, CSP and all), comparison reports made by the real core through the CLI, and the stub host
// as an init script.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleStub, buildViewAssets, viewNodeHelpers } from './viewPage.mjs';
import { openStubbedView, serveView } from './viewServer.mjs';
import { repoRoot, shotsDir, THEMES } from './page.mjs';

export { repoRoot, shotsDir, THEMES };
export const workDir = join(repoRoot, 'test-results', 'compare-browser');
const dist = join(workDir, 'dist');
// Beside the view's bundle, as in dist/: `compare --html` reads the bundle from the CLI's own folder.
const cli = join(dist, 'cli.js');

/** The view's bundle, the stylesheets it links, and the CLI, with the options scripts/build.mjs uses. */
export const buildAssets = () => buildViewAssets({ dist, view: 'compare', stylesheets: ['webview.css', 'panel.css', 'compare.css'], cli });

/** Node-side helpers from the sources: the view's HTML (vscode stubbed). */
export const nodeHelpers = () =>
  viewNodeHelpers({ outfile: join(workDir, 'helpers.mjs'), view: 'compare', title: 'Decoder Lens: Compare' });

export const stubScript = () => bundleStub('compareStub.mjs');

/**
 * `decoder-lens compare --model A --model-b B --text … --json` on fixture models: the report exactly as the core
 * wrote it (JSON, so NaN is null as in a saved state). Undefined when a fixture is missing.
 */
export function compareReport(modelA, modelB, text, extra = []) {
  const dir = (m) => join(repoRoot, 'test', 'fixtures', 'models', m);
  if (![modelA, modelB].every((m) => existsSync(join(dir(m), 'config.json')))) return undefined;
  const out = join(workDir, `${modelA}--${modelB}.json`);
  const r = spawnSync(
    process.execPath,
    [cli, 'compare', '--model', dir(modelA), '--model-b', dir(modelB), '--text', text, '--json', out, ...extra],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`decoder-lens compare ${modelA} ${modelB} failed: ${r.stderr || r.stdout}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}

/**
 * `decoder-lens bisect --model A --model-b B --text … --json` on fixture models: the layer bisector's report as
 * the core wrote it. Undefined when a fixture is missing.
 */
export function bisectReport(modelA, modelB, text) {
  const dir = (m) => join(repoRoot, 'test', 'fixtures', 'models', m);
  if (![modelA, modelB].every((m) => existsSync(join(dir(m), 'config.json')))) return undefined;
  const out = join(workDir, `${modelA}--${modelB}.bisect.json`);
  const r = spawnSync(process.execPath, [cli, 'bisect', '--model', dir(modelA), '--model-b', dir(modelB), '--text', text, '--json', out], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`decoder-lens bisect ${modelA} ${modelB} failed: ${r.stderr || r.stdout}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}

/** Serves `/` as the view's page and `/dist/…` from the private build. */
export const startServer = (h) => serveView(workDir, h.compareHtml);

/** Opens the view with the stub host serving `config` (dark theme unless it says otherwise). */
export const openView = (context, origin, stub, config) =>
  openStubbedView(context, origin, stub, '__dlCompareConfig', { theme: THEMES.dark, ...config });
