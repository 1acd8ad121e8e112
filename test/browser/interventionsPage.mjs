// The interventions view's test page: the view's bundle (webview/interventions/main.ts, built as scripts/build.mjs
// builds dist/webview/interventions.js) and stylesheets in a private folder (other engineers' builds wipe dist/),
// its real HTML (the host's builder, CSP and all), results the real core made through the CLI (rank-heads,
// occlude, patch on the fixture models), and the stub host as an init script.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { openStubbedView, serveView } from './viewServer.mjs';
import { repoRoot, shotsDir, THEMES } from './page.mjs';

export { repoRoot, shotsDir, THEMES };
export const workDir = join(repoRoot, 'test-results', 'interventions-browser');
const dist = join(workDir, 'dist');
const cli = join(dist, 'cli.js');
const require = createRequire(import.meta.url);

/** The view's bundle, the stylesheets it links, and the CLI, with the options scripts/build.mjs uses. */
export async function buildAssets() {
  const common = { bundle: true, logLevel: 'warning', legalComments: 'none' };
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: [join(repoRoot, 'webview', 'interventions', 'main.ts')],
      outfile: join(dist, 'webview', 'interventions.js'),
      platform: 'browser',
      target: 'es2022',
      format: 'iife',
      sourcemap: true,
    }),
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
  for (const f of ['webview.css', 'panel.css', 'interventions.css']) cpSync(join(repoRoot, 'media', f), join(media, f));
}

/** Node-side helpers from the sources: the view's HTML (vscode stubbed). */
export async function nodeHelpers() {
  const outfile = join(workDir, 'helpers.mjs');
  await esbuild.build({
    stdin: {
      contents: `import { webviewHtml } from './src/host/webviewHtml';
export const interventionsHtml = (webview, extensionUri) => webviewHtml(webview, extensionUri, { view: 'interventions', title: 'Decoder Lens: Interventions' });`,
      resolveDir: repoRoot,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'warning',
    alias: { vscode: join(repoRoot, 'test', 'browser', 'vscodeStub.mjs') },
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

export async function stubScript() {
  const r = await esbuild.build({
    entryPoints: [join(repoRoot, 'test', 'browser', 'interventionsStub.mjs')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  return r.outputFiles[0].text;
}

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
