// The interventions view's test page: the view's bundle (webview/interventions/main.ts, built as scripts/build.mjs
// builds dist/webview/interventions.js) and stylesheets in a private folder (other engineers' builds wipe dist/),
// its real HTML (the host's builder, CSP and all), results the real core made through the CLI (rank-heads,
// occlude, patch on the fixture models), and the stub host as an init script.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleStub, buildViewAssets, viewNodeHelpers } from './viewPage.mjs';
import { openStubbedView, serveView } from './viewServer.mjs';
import { repoRoot, shotsDir, THEMES } from './page.mjs';

export { repoRoot, shotsDir, THEMES };
export const workDir = join(repoRoot, 'test-results', 'interventions-browser');
const dist = join(workDir, 'dist');
const cli = join(dist, 'cli.js');

/** The view's bundle, the stylesheets it links, and the CLI, with the options scripts/build.mjs uses. */
export const buildAssets = () =>
  buildViewAssets({ dist, view: 'interventions', stylesheets: ['webview.css', 'panel.css', 'interventions.css'], cli });

/** Node-side helpers from the sources: the view's HTML (vscode stubbed). */
export const nodeHelpers = () =>
  viewNodeHelpers({ outfile: join(workDir, 'helpers.mjs'), view: 'interventions', title: 'Decoder Lens: Interventions' });

export const stubScript = () => bundleStub('interventionsStub.mjs');

export const modelDir = (m) => join(repoRoot, 'test', 'fixtures', 'models', m);

/** `decoder-lens <command> --model M … --json F` on a fixture model: the JSON the core wrote (undefined without the fixture). */
export function cliJson(command, model, args) {
  if (!existsSync(join(modelDir(model), 'config.json'))) return undefined;
  const out = join(workDir, `${command}-${model}-${Math.random().toString(36).slice(2, 8)}.json`);
  const r = spawnSync(process.execPath, [cli, command, '--model', modelDir(model), ...args, '--json', out], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`decoder-lens ${command} ${model} failed: ${r.stderr || r.stdout}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}

/** Serves `/` as the view's page and `/dist/…` from the private build. */
export const startServer = (h) => serveView(workDir, h.interventionsHtml);

/** Opens the view with the stub host serving `config` (dark theme unless it says otherwise). */
export const openView = (context, origin, stub, config) =>
  openStubbedView(context, origin, stub, '__dlInterventionsConfig', { theme: THEMES.dark, ...config });
