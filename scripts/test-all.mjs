#!/usr/bin/env node
// `npm test`: build, lint, then the tiers — unit (node --test on the core with real onnxruntime-node), the
// panel, the mask inspector and the compare view in headless Chromium (browser tiers), integration (mocha inside a real VS Code: code-server + headless Chromium) and UI end-to-end (playwright-core
// driving the workbench). Every tier runs even when an earlier one fails; the last line counts them all.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);

function run(label, command, args, env = {}) {
  return new Promise((resolve) => {
    console.log(`\n━━ ${label}: ${command} ${args.join(' ')}`);
    let output = '';
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** "<tier>: N passed, N failed" lines printed by our harnesses. */
function counts(output, tier) {
  const m = [...output.matchAll(new RegExp(`^${tier}: (\\d+) passed, (\\d+) failed`, 'gm'))].pop();
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

const tiers = [];
const want = (name) => only.length === 0 || only.includes(name);

const build = await run('build', process.execPath, ['scripts/build.mjs']);
if (build.code !== 0) {
  console.log('\nbuild failed: nothing else can run.\n0 passed, 1 failed');
  process.exit(1);
}
if (want('lint')) {
  const lint = await run('lint', process.execPath, ['node_modules/eslint/bin/eslint.js', '.', '--max-warnings', '0']);
  tiers.push({ name: 'lint', passed: lint.code === 0 ? 1 : 0, failed: lint.code === 0 ? 0 : 1 });
  const format = await run('format', process.execPath, [
    'node_modules/prettier/bin/prettier.cjs',
    '--check',
    'src',
    'webview',
    'test',
    'bench',
    'scripts',
  ]);
  tiers.push({ name: 'format', passed: format.code === 0 ? 1 : 0, failed: format.code === 0 ? 0 : 1 });
}
if (want('unit')) {
  mkdirSync(join(root, 'test-results'), { recursive: true });
  const tap = join(root, 'test-results', 'unit.tap');
  const unit = await run('unit', process.execPath, [
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    'out/test/unit/',
  ]);
  const text = readFileSync(tap, 'utf8');
  const passed = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  const failed = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0) + (unit.code !== 0 && !/^# fail [1-9]/m.test(text) ? 1 : 0);
  const skipped = Number(/^# skipped (\d+)/m.exec(text)?.[1] ?? 0);
  tiers.push({ name: 'unit', passed, failed, skipped });
}
for (const [name, script] of [
  ['browser', 'test/browser/run.mjs'],
  ['inspector-browser', 'test/browser/inspector.mjs'],
  ['compare-browser', 'test/browser/compare.mjs'],
  ['interventions-browser', 'test/browser/interventions.mjs'],
  ['integration', 'test/harness/run-integration.mjs'],
  ['e2e', 'test/harness/run-e2e.mjs'],
  // Last: it rebuilds dist/ for production before packaging.
  ['vsix', 'test/harness/run-vsix.mjs'],
]) {
  if (!want(name)) continue;
  const result = await run(name, process.execPath, [script]);
  const c = counts(result.output, name) ?? { passed: 0, failed: 0 };
  if (result.code !== 0 && c.failed === 0) c.failed = 1; // the harness itself failed
  tiers.push({ name, ...c });
}

console.log('\n━━ summary');
for (const t of tiers)
  console.log(`${t.name.padEnd(18)} ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''}`);
const passed = tiers.reduce((s, t) => s + t.passed, 0);
const failed = tiers.reduce((s, t) => s + t.failed, 0);
const skipped = tiers.reduce((s, t) => s + (t.skipped ?? 0), 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
