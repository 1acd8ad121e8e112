// UI end-to-end tier: headless Chromium drives the code-server workbench like a person, with the extension
// loaded from this tree as the development extension (the same payload as the integration tier, without
// extensionTestsPath). Each test/e2e/*.e2e.mjs exports `name` and `run({ page, shot, log })` and gets a fresh
// browser profile (so editors opened by one test don't reappear in the next) on one shared code-server.
// Screenshots go to test-results/screenshots/ (git-ignored).
// Usage: node test/harness/run-e2e.mjs [filter]   (after `npm run build`); DL_VERBOSE=1 prints the workbench log.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from './browser.mjs';
import { ensureCodeServer, startCodeServer } from './codeServer.mjs';
import { repoRoot, watchdog, withTimeout } from './util.mjs';
import { formatLogArgs, waitForWorkbench, workbenchUrl } from './workbench.mjs';

const TOTAL_MS = Number(process.env.DL_WATCHDOG_MS) || 8 * 60_000; // DL_WATCHDOG_MS raises it on a slow machine
const TEST_MS = 3 * 60_000;
const started = Date.now();
const say = (msg) => process.stdout.write(`${msg}\n`);
const shotsDir = join(repoRoot, 'test-results', 'screenshots');
const secs = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;

let passed = 0;
let failed = 0;
const finish = (code) => {
  say(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(code);
};

if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) {
  say('dist/extension.js is missing. Run "npm run build" first.');
  failed = 1;
  finish(1);
}

const filter = process.argv[2];
const e2eDir = join(repoRoot, 'test', 'e2e');
const files = readdirSync(e2eDir)
  .filter((f) => f.endsWith('.e2e.mjs') && (!filter || f.includes(filter)))
  .sort();
if (!files.length) {
  say(`no test/e2e/*.e2e.mjs${filter ? ` matching ${filter}` : ''}`);
  failed = 1;
  finish(1);
}

// A fresh clone installs code-server first (about 2 min, bounded by its own timeouts): not part of the run's budget.
try {
  await ensureCodeServer();
} catch (error) {
  say(`e2e: could not install code-server: ${error.message}`);
  failed = 1;
  finish(1);
}
watchdog(TOTAL_MS, 'e2e', () => say(`e2e: ${passed} passed, ${failed + 1} failed`));
rmSync(shotsDir, { recursive: true, force: true });
mkdirSync(shotsDir, { recursive: true });
const demo = join(repoRoot, 'demo');
let server;
try {
  server = await startCodeServer({ folder: demo });
  say(`e2e: code-server ready at ${server.url} (${secs()})`);
  for (const file of files) {
    const test = await import(pathToFileURL(join(e2eDir, file)).href);
    const base = file.replace(/\.e2e\.mjs$/, '');
    let n = 0;
    let browser;
    try {
      browser = await launchBrowser();
      const { page } = browser;
      const shot = async (label) => {
        const path = join(shotsDir, `${base}-${String(++n).padStart(2, '0')}-${label}.png`);
        await page.screenshot({ path, timeout: 15_000 }).catch((e) => say(`  (screenshot ${label} failed: ${e.message})`));
      };
      const log = (msg) => say(`  ${msg}`);
      // With this defined the workbench sends its log here rather than to the page console.
      await page.exposeFunction('codeAutomationLog', (level, args) => process.env.DL_VERBOSE && say(`  [workbench ${level}] ${formatLogArgs(args)}`));
      await withTimeout(
        (async () => {
          await page.goto(workbenchUrl(server, { folder: demo, extensionDevelopmentPath: repoRoot }), { timeout: 60_000 });
          await waitForWorkbench(page);
          await shot('workbench');
          await test.run({ page, shot, log });
        })(),
        TEST_MS,
        file,
      );
      passed++;
      say(`  ✔ ${test.name ?? file} (${secs()})`);
    } catch (error) {
      failed++;
      say(`  ✖ ${test.name ?? file}\n    ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n    ')}`);
      if (browser) await browser.page.screenshot({ path: join(shotsDir, `${base}-FAILED.png`), timeout: 15_000 }).catch(() => undefined);
    } finally {
      await browser?.close();
    }
  }
} catch (error) {
  failed++;
  say(`e2e: ${error.stack ?? error}`);
} finally {
  await server?.stop();
}
say(`e2e: screenshots in ${shotsDir} (${secs()} in all)`);
finish(failed ? 1 : 0);
