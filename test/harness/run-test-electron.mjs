// The standard launcher VS Code extension authors use: @vscode/test-electron downloads VS Code (Electron) and
// runs the same mocha suite (out/test/suite) in its extension host, on the same demo/ folder.
// It needs internet (update.code.visualstudio.com) and, on Linux without a display, `xvfb-run -a`.
// Machines without internet run the same suite through code-server instead: npm run test:integration.
// Usage: node test/harness/run-test-electron.mjs   (after `npm run build`)
// Env: VSCODE_TEST_VERSION=stable|insiders|1.95.0 (default stable), DECODER_LENS_TEST_GREP=<mocha grep>.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { repoRoot, watchdog, withTimeout } from './util.mjs';

const DOWNLOAD_MS = 10 * 60_000; // the whole download; test-electron's own timeout is only an idle timeout
const RUN_MS = 10 * 60_000;
const say = (msg) => process.stdout.write(`${msg}\n`);
const finish = (passed, failed, code) => {
  say(`electron: ${passed} passed, ${failed} failed`);
  process.exit(code);
};

const suiteEntry = join(repoRoot, 'out', 'test', 'suite', 'index.js');
for (const file of [join(repoRoot, 'dist', 'extension.js'), suiteEntry]) {
  if (!existsSync(file)) {
    say(`${file} is missing. Run "npm run build" first.`);
    finish(0, 1, 1);
  }
}
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  say('electron: no DISPLAY; VS Code (Electron) needs one on Linux: run this under `xvfb-run -a`.');
}
watchdog(DOWNLOAD_MS + RUN_MS + 60_000, 'electron');

const version = process.env.VSCODE_TEST_VERSION || 'stable';
const cachePath = join(repoRoot, '.cache', 'vscode-test'); // git-ignored, like code-server's cache
let vscodeExecutablePath;
try {
  say(`electron: downloading VS Code ${version} into ${cachePath} (skipped when already there)…`);
  vscodeExecutablePath = await withTimeout(
    downloadAndUnzipVSCode({ version, cachePath, timeout: 30_000 }),
    DOWNLOAD_MS,
    'downloading VS Code',
  );
} catch (error) {
  say(`electron: could not download VS Code ${version}: ${error?.message ?? error}`);
  say(
    'electron: this launcher needs internet access to update.code.visualstudio.com. Without it, run the same suite in code-server: npm run test:integration',
  );
  finish(0, 1, 1);
}

const tmp = mkdtempSync(join(tmpdir(), 'decoder-lens-electron-'));
const resultsFile = join(tmp, 'results.json');
let code = 1;
try {
  code = await withTimeout(
    runTests({
      vscodeExecutablePath,
      cachePath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: suiteEntry,
      extensionTestsEnv: {
        DECODER_LENS_TEST_RESULTS: resultsFile,
        ...(process.env.DECODER_LENS_TEST_GREP ? { DECODER_LENS_TEST_GREP: process.env.DECODER_LENS_TEST_GREP } : {}),
      },
      launchArgs: [
        join(repoRoot, 'demo'),
        '--disable-extensions', // other installed extensions; the development extension still loads
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-gpu',
        // Electron refuses to run as root with the sandbox on (containers, CI).
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ],
    }),
    RUN_MS,
    'the suite in VS Code',
  );
} catch (error) {
  // runTests rejects (TestRunFailedError) when VS Code exits non-zero, i.e. when a test failed.
  say(`electron: ${error?.message ?? error}`);
  code = typeof error?.code === 'number' && error.code !== 0 ? error.code : 1;
}

let passed = 0;
let failed = 0;
if (existsSync(resultsFile)) {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  ({ passed, failed } = r);
  if (r.skipped) say(`electron: ${r.skipped} skipped`);
}
rmSync(tmp, { recursive: true, force: true });
if (passed + failed === 0 || code !== 0) failed = Math.max(failed, 1);
finish(passed, failed, code === 0 && failed === 0 ? 0 : 1);
