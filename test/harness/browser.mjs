// Headless Debian Chromium driven by playwright-core (no browser download: we use /usr/bin/chromium).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { killTree, onExitCleanup, withTimeout } from './util.mjs';

export const CHROMIUM = process.env.DL_CHROMIUM || '/usr/bin/chromium';

// The flags checked on these machines (REAL-VSCODE-TESTS.md); playwright adds --headless itself.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Chromium processes whose command line names our user-data-dir (playwright does not expose the pid). */
function chromiumPids(userDataDir) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(userDataDir)) pids.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/**
 * A fresh browser profile (so no workbench state leaks between runs) with one page.
 * close() is bounded: if playwright cannot close Chromium in 10 s, its processes are killed.
 */
export async function launchBrowser({ viewport = { width: 1400, height: 900 }, timeoutMs = 60_000 } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with "apt-get install chromium" (or set DL_CHROMIUM)`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'decoder-lens-chromium-'));
  const kill = () => chromiumPids(userDataDir).forEach((pid) => killTree(pid, 'SIGKILL'));
  const removeHook = onExitCleanup(() => {
    kill();
    rmSync(userDataDir, { recursive: true, force: true });
  });
  let context;
  try {
    context = await withTimeout(
      chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport, timeout: timeoutMs }),
      timeoutMs + 5000,
      'launching Chromium',
    );
  } catch (e) {
    kill();
    removeHook();
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  let closing;
  const close = () =>
    (closing ??= (async () => {
      await withTimeout(context.close(), 10_000, 'closing Chromium').catch(() => undefined);
      kill();
      removeHook();
      rmSync(userDataDir, { recursive: true, force: true });
    })());
  return { context, page, close, userDataDir };
}
