#!/usr/bin/env node
// Type-checks every environment (core, worker+CLI, host, webviews, tests), then bundles with esbuild.
// Usage: node scripts/build.mjs [--typecheck-only] [--no-typecheck] [--watch]
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const production = args.has('--production');

const environments = ['tsconfig.json', 'tsconfig.worker.json', 'tsconfig.host.json', 'tsconfig.webview.json'];

function tsc(project) {
  const bin = require.resolve('typescript/bin/tsc');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, '-p', project, '--pretty'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ project, code, output }));
  });
}

async function typecheck() {
  // tsconfig.test.json also emits out/ (the unit tests, the mocha suite and the benchmarks run from there).
  rmSync(join(root, 'out'), { recursive: true, force: true });
  const results = await Promise.all([...environments, 'tsconfig.test.json'].map(tsc));
  let failed = false;
  for (const r of results) {
    if (r.code !== 0) {
      failed = true;
      process.stderr.write(`\n✖ ${r.project}\n${r.output}`);
    }
  }
  if (failed) {
    process.stderr.write('\nType check failed.\n');
    process.exit(1);
  }
}

const shared = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none' };
const nodeShared = { ...shared, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode', 'onnxruntime-node'] };
const browserShared = { ...shared, platform: 'browser', target: 'es2022', format: 'iife' };

const bundles = [
  { ...nodeShared, entryPoints: ['src/host/extension.ts'], outfile: 'dist/extension.js' },
  { ...nodeShared, entryPoints: ['src/worker/worker.ts'], outfile: 'dist/worker.js' },
  { ...nodeShared, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...browserShared, entryPoints: ['webview/panel/main.ts'], outfile: 'dist/webview/panel.js' },
  { ...browserShared, entryPoints: ['webview/inspector/main.ts'], outfile: 'dist/webview/inspector.js' },
  { ...browserShared, entryPoints: ['webview/compare/main.ts'], outfile: 'dist/webview/compare.js' },
  { ...browserShared, entryPoints: ['webview/interventions/main.ts'], outfile: 'dist/webview/interventions.js' },
].filter((b) => existsSync(join(root, b.entryPoints[0])));

function copyAssets() {
  const media = join(root, 'dist', 'media');
  mkdirSync(media, { recursive: true });
  const codicons = dirname(require.resolve('@vscode/codicons/dist/codicon.css'));
  for (const f of ['codicon.css', 'codicon.ttf']) cpSync(join(codicons, f), join(media, f));
  cpSync(join(root, 'media'), media, { recursive: true });
  // The built-in demo model ships inside the extension (it is the fixture decoder-only model).
  const demo = join(root, 'test', 'fixtures', 'models', 'tiny-gpt');
  if (existsSync(demo)) {
    const target = join(root, 'dist', 'demo-model');
    rmSync(target, { recursive: true, force: true });
    // Only what a user's model folder would hold: the torch references stay with the tests.
    cpSync(demo, target, { recursive: true, filter: (src) => !/(reference|check)\.json$/.test(src) });
  }
}

async function bundle() {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  await Promise.all(bundles.map((b) => esbuild.build({ ...b, absWorkingDir: root })));
  copyAssets();
}

if (!args.has('--no-typecheck')) await typecheck();
if (!args.has('--typecheck-only')) await bundle();
