// UI end-to-end tier: headless Chromium drives the code-server workbench like a person, with the extension
// loaded from this tree as the development extension (the same payload as the integration tier, without
// extensionTestsPath). Each test/e2e/*.e2e.mjs exports `name` and `run({ page, shot, log })` and gets a fresh
// browser profile (so editors opened by one test don't reappear in the next) on one shared code-server.
// Screenshots go to test-results/screenshots/ (git-ignored); `shot(label, { clip, docs: 'name.png' })` also
// copies one to docs/screenshots/name.png (the README's images), only once its test has passed, so a failing run
// never replaces them. Those screenshots come out byte-identical run after run, so the copy leaves git clean;
// one that differs every time (an animation, a timing) says `keepExisting: true` and is only written when
// missing. DL_DOCS_SCREENSHOTS=0 copies nothing, DL_DOCS_SCREENSHOTS=all rewrites every one.
// Usage: node test/harness/run-e2e.mjs [filter]   (after `npm run build`); DL_VERBOSE=1 prints the workbench log.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
const docsShotsDir = join(repoRoot, 'docs', 'screenshots');
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
// One code-server per display language: most tests use the default (English); a test that exports
// `locale = 'zh-cn'` gets a server whose VS Code runs in that language (see writeLanguagePack in codeServer.mjs).
const servers = new Map();
async function serverFor(locale = 'en') {
  if (!servers.has(locale)) {
    const started = await startCodeServer({ folder: demo, locale: locale === 'en' ? undefined : locale });
    servers.set(locale, started);
    say(`e2e: code-server${locale === 'en' ? '' : ` (${locale})`} ready at ${started.url} (${secs()})`);
  }
  return servers.get(locale);
}
try {
  for (const file of files) {
    const test = await import(pathToFileURL(join(e2eDir, file)).href);
    const server = await serverFor(test.locale);
    const base = file.replace(/\.e2e\.mjs$/, '');
    let n = 0;
    let browser;
    const forDocs = new Map(); // docs name → screenshot path
    try {
      browser = await launchBrowser();
      const { page } = browser;
      /** Saves a screenshot (the viewport, `clip`, or a PNG `buffer` taken earlier); returns its path, or undefined if it failed. */
      const shot = async (label, { clip, docs, keepExisting = false, buffer } = {}) => {
        const path = join(shotsDir, `${base}-${String(++n).padStart(2, '0')}-${label}.png`);
        const take = buffer ? Promise.resolve().then(() => writeFileSync(path, buffer)) : page.screenshot({ path, clip, timeout: 15_000 });
        const ok = await take.then(
          () => true,
          (e) => say(`  (screenshot ${label} failed: ${e.message})`),
        );
        if (!ok) return undefined;
        if (docs) forDocs.set(docs, { path, keepExisting });
        return path;
      };
      const log = (msg) => say(`  ${msg}`);
      // With this defined the workbench sends its log here rather than to the page console.
      await page.exposeFunction(
        'codeAutomationLog',
        (level, args) => process.env.DL_VERBOSE && say(`  [workbench ${level}] ${formatLogArgs(args)}`),
      );
      await withTimeout(
        (async () => {
          // A test may open another folder of demo/ (`export const folder`), on the same server.
          await page.goto(
            workbenchUrl(server, { folder: test.folder ? join(demo, test.folder) : demo, extensionDevelopmentPath: repoRoot }),
            { timeout: 60_000 },
          );
          await waitForWorkbench(page);
          await shot('workbench');
          await test.run({ page, shot, log });
        })(),
        TEST_MS,
        file,
      );
      passed++;
      say(`  ✔ ${test.name ?? file} (${secs()})`);
      if (forDocs.size && process.env.DL_DOCS_SCREENSHOTS !== '0') {
        mkdirSync(docsShotsDir, { recursive: true });
        const written = [];
        for (const [docsName, { path, keepExisting }] of forDocs) {
          const target = join(docsShotsDir, docsName);
          if (keepExisting && existsSync(target) && process.env.DL_DOCS_SCREENSHOTS !== 'all') continue;
          copyFileSync(path, target);
          written.push(`docs/screenshots/${docsName}`);
        }
        if (written.length) say(`    README screenshots: ${written.join(', ')}`);
      }
    } catch (error) {
      failed++;
      say(
        `  ✖ ${test.name ?? file}\n    ${String(error?.stack ?? error)
          .split('\n')
          .slice(0, 6)
          .join('\n    ')}`,
      );
      if (browser) await browser.page.screenshot({ path: join(shotsDir, `${base}-FAILED.png`), timeout: 15_000 }).catch(() => undefined);
    } finally {
      await browser?.close();
    }
  }
} catch (error) {
  failed++;
  say(`e2e: ${error.stack ?? error}`);
} finally {
  for (const server of servers.values()) await server.stop();
}
say(`e2e: screenshots in ${shotsDir} (${secs()} in all)`);
finish(failed ? 1 : 0);
