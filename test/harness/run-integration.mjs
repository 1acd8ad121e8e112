// Integration tier: the mocha suite (out/test/suite) inside a real VS Code extension host, here code-server's,
// opened in headless Chromium. The suite's own result decides the exit code.
// Two passes: the whole suite in English (VS Code's default), then the Chinese UI tests (suite "Chinese UI") with
// the display language set to zh-cn — how that is done without a Microsoft language pack is explained at
// writeLanguagePack in codeServer.mjs.
// Usage: node test/harness/run-integration.mjs   (after `npm run build`)
// Env: DECODER_LENS_TEST_GREP=<mocha grep> (the English pass), DL_LOCALES=en,zh-cn (the passes to run),
//      DL_VERBOSE=1 (also print the workbench's own log lines), DL_KEEP_TMP=1 (keep code-server's temp dirs).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from './browser.mjs';
import { ensureCodeServer, startCodeServer } from './codeServer.mjs';
import { onExitCleanup, repoRoot, watchdog, withTimeout } from './util.mjs';
import { formatLogArgs, workbenchUrl } from './workbench.mjs';

// Whole run, including a first code-server start; DL_WATCHDOG_MS raises it on a slow machine.
const locales = (process.env.DL_LOCALES || 'en,zh-cn')
  .split(',')
  .map((l) => l.trim().toLowerCase())
  .filter(Boolean);
const TOTAL_MS = Number(process.env.DL_WATCHDOG_MS) || (4 + 2 * locales.length) * 60_000;
const SUITE_MS = 5 * 60_000; // from opening the workbench to the extension host's exit, per pass
const START_MS = 120_000; // from the workbench's load event to the suite's first line (about 5 s normally)

const started = Date.now();
// Workbench log lines that say nothing about the extension (no GitHub sign-in, no gallery, no chat model here).
const WORKBENCH_NOISE =
  /^\[(AgentHost|ChatModelSelection|AccountPolicyGate|Service Worker|reconnection-grace-time)\b|ENOTFOUND|authentication provider|^(Resolving|Resolved) connection token|^Creating a socket/;
const say = (msg) => process.stdout.write(`${msg}\n`);
const suiteEntry = join(repoRoot, 'out', 'test', 'suite', 'index.js');
const logsDir = join(repoRoot, 'test-results', 'integration');

/** What the zh-cn pass runs: the suite named "Chinese UI" (skipped in the English pass). */
const LOCALE_GREP = 'Chinese UI';

function finish(passed, failed, code, skipped = 0) {
  say(`integration: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code);
}

for (const [file, hint] of [
  [join(repoRoot, 'dist', 'extension.js'), 'the extension bundle'],
  [suiteEntry, 'the compiled mocha suite'],
]) {
  if (!existsSync(file)) {
    say(`${file} is missing (${hint}). Run "npm run build" first.`);
    finish(0, 1, 1);
  }
}

// A fresh clone installs code-server first (about 2 min, bounded by its own timeouts): not part of the run's budget.
try {
  await ensureCodeServer();
} catch (error) {
  say(`integration: could not install code-server: ${error.message}`);
  finish(0, 1, 1);
}
watchdog(TOTAL_MS, 'integration', () => say('integration: 0 passed, 1 failed'));
rmSync(logsDir, { recursive: true, force: true }); // only this run's logs

const totals = { passed: 0, failed: 0, skipped: 0, ok: true };
for (const locale of locales) {
  const english = locale === 'en';
  const r = await runPass({ locale: english ? undefined : locale, grep: english ? process.env.DECODER_LENS_TEST_GREP : LOCALE_GREP });
  say(`integration [${locale}]: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`);
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
  totals.ok &&= r.ok;
}
finish(totals.passed, totals.failed, totals.ok && totals.failed === 0 ? 0 : 1, totals.skipped);

/** One code-server, one workbench, one run of the suite (filtered by `grep`), with VS Code's display language `locale`. */
async function runPass({ locale, grep }) {
  const tmp = mkdtempSync(join(tmpdir(), 'decoder-lens-it-'));
  const resultsFile = join(tmp, 'results.json');
  const removeTmp = onExitCleanup(() => rmSync(tmp, { recursive: true, force: true }));
  const tag = locale ?? 'en';
  let server;
  let browser;
  let exitCode = 1;
  let printed = '';
  try {
    say(`integration [${tag}]: starting code-server on demo/…`);
    server = await startCodeServer({
      folder: join(repoRoot, 'demo'),
      locale,
      // Read by test/suite/index.ts in the extension host (forked from the server, so it inherits this).
      env: {
        DECODER_LENS_TEST_RESULTS: resultsFile,
        ...(grep ? { DECODER_LENS_TEST_GREP: grep } : {}),
        ...(locale ? { DECODER_LENS_EXPECT_LANGUAGE: locale } : {}),
      },
      // Built-in extensions (git, markdown, …) only cost CPU here; the development extension still loads.
      extraArgs: ['--vscode-option', 'disable-extensions'],
    });
    say(`integration [${tag}]: code-server ready at ${server.url} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
    browser = await launchBrowser();
    const { page } = browser;

    let resolveExit;
    const exited = new Promise((r) => (resolveExit = r));
    // Both must exist before the workbench loads: it routes its log to the first and reports the exit to the second.
    // The workbench's own log and the extension host's console both arrive here, unlabelled; the suite
    // prints a start marker, so show what follows it (minus known workbench chatter) and errors before it.
    let suiteStarted = false;
    await page.exposeFunction('codeAutomationLog', (level, args) => {
      const line = formatLogArgs(args);
      printed += `${line}\n`;
      if (line.startsWith('decoder-lens-suite: running')) suiteStarted = true;
      const noise = WORKBENCH_NOISE.test(line);
      if (process.env.DL_VERBOSE || (suiteStarted && !noise) || (level === 'error' && !noise)) say(`  ${line}`);
    });
    await page.exposeFunction('codeAutomationExit', (code, logs) => {
      if (Array.isArray(logs)) {
        // VS Code hands over its log files; keep them for a post-mortem.
        const dir = join(logsDir, tag);
        mkdirSync(dir, { recursive: true });
        for (const l of logs)
          if (l?.relativePath && typeof l.contents === 'string') writeFile(join(dir, l.relativePath.replace(/[\\/]/g, '_')), l.contents);
      }
      resolveExit(code);
    });
    page.on('pageerror', (e) => process.env.DL_VERBOSE && say(`  [page error] ${e.message}`));

    const url = workbenchUrl(server, {
      folder: join(repoRoot, 'demo'),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: suiteEntry,
    });
    await page.goto(url, { timeout: 60_000 });
    say(`integration [${tag}]: workbench loaded; running the suite in the extension host…`);
    // Fail fast when the suite never starts (the payload ignored, the extension host not coming up).
    const loaded = Date.now();
    const noStart = setInterval(() => {
      if (!suiteStarted && Date.now() - loaded > START_MS)
        resolveExit(new Error(`the suite did not start within ${START_MS / 1000}s of the workbench loading (rerun with DL_VERBOSE=1)`));
    }, 1000);
    const outcome = await withTimeout(exited, SUITE_MS, 'the suite in the extension host').finally(() => clearInterval(noStart));
    if (outcome instanceof Error) throw outcome;
    exitCode = outcome;
    say(`integration [${tag}]: extension host exited with code ${exitCode} (${((Date.now() - started) / 1000).toFixed(1)}s in all)`);
  } catch (error) {
    say(`integration [${tag}]: ${error.stack ?? error}`);
    if (server && existsSync(server.logFile))
      say(`integration: code-server log (last lines):\n${readFileSync(server.logFile, 'utf8').split('\n').slice(-30).join('\n')}`);
    exitCode = 1;
  } finally {
    await browser?.close();
    await server?.stop();
  }

  // Prefer the JSON the suite wrote; fall back to its printed summary line.
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (existsSync(resultsFile)) {
    const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
    ({ passed, failed, skipped } = r);
    for (const f of r.failures ?? []) say(`integration [${tag}]: FAILED ${f.title}`);
  } else {
    const m = /decoder-lens-suite: (\d+) passed, (\d+) failed, (\d+) skipped/.exec(printed);
    if (m) [passed, failed, skipped] = [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  rmSync(tmp, { recursive: true, force: true });
  removeTmp();
  // No result at all (the suite never ran) is a failure even if something exited with 0.
  if (passed + failed === 0 || exitCode !== 0) failed = Math.max(failed, 1);
  return { passed, failed, skipped, ok: exitCode === 0 && failed === 0 };
}

function writeFile(path, text) {
  try {
    writeFileSync(path, text);
  } catch {
    /* best effort */
  }
}
