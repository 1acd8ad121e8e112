// Packaging tier: `npm run package` makes the linux-x64 .vsix, code-server installs it with
// --install-extension (as a user would), and a person's session checks that it activates from the installed
// files alone: the palette command loads the built-in demo model in the worker and the panel lists its outputs.
// Prints "vsix: N passed, N failed". Usage: node test/harness/run-vsix.mjs
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from './browser.mjs';
import { codeServerEntry, ensureCodeServer, node24, startCodeServer } from './codeServer.mjs';
import { repoRoot, watchdog } from './util.mjs';
import { findWebviewFrame, focusWorkbench, openFile, runFromPalette, waitForWorkbench, workbenchUrl } from './workbench.mjs';

const say = (msg) => process.stdout.write(`${msg}\n`);
let passed = 0;
let failed = 0;
const finish = () => {
  say(`vsix: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
};
watchdog(8 * 60_000, 'vsix', () => say(`vsix: ${passed} passed, ${failed + 1} failed`));

const check = async (name, body) => {
  try {
    await body();
    passed++;
    say(`  ✔ ${name}`);
  } catch (error) {
    failed++;
    say(
      `  ✖ ${name}\n    ${String(error?.stack ?? error)
        .split('\n')
        .slice(0, 5)
        .join('\n    ')}`,
    );
  }
};

const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const vsix = join(repoRoot, `decoder-lens-linux-x64-${version}.vsix`);
const extensionsDir = mkdtempSync(join(tmpdir(), 'decoder-lens-vsix-'));
let server;
let browser;
try {
  await check("npm run package writes a linux-x64 .vsix under 30 MB with only that platform's ORT binaries", () => {
    execFileSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--target', 'linux-x64'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 5 * 60_000,
    });
    const mb = statSync(vsix).size / 1024 / 1024;
    say(`    ${vsix}: ${mb.toFixed(1)} MB`);
    assert.ok(mb < 30, `${mb.toFixed(1)} MB`);
    const listing = spawnSync('unzip', ['-l', vsix], { encoding: 'utf8' }).stdout ?? '';
    if (listing) {
      assert.ok(listing.includes('napi-v6/linux/x64/onnxruntime_binding.node'), 'the linux-x64 ORT binding is inside');
      assert.ok(!/napi-v6\/(win32|darwin|linux\/arm64)\//.test(listing), "no other platform's binaries");
    }
  });
  await ensureCodeServer();
  await check('code-server installs it with --install-extension', () => {
    const out = execFileSync(
      node24,
      [codeServerEntry, '--extensions-dir', extensionsDir, '--user-data-dir', join(extensionsDir, '.user'), '--install-extension', vsix],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.match(out, /successfully installed/);
  });
  await check('the installed extension activates: the palette command shows the demo model outputs', async () => {
    const demo = join(repoRoot, 'demo');
    server = await startCodeServer({ folder: demo, extensionsDir });
    browser = await launchBrowser();
    const { page } = browser;
    await page.goto(workbenchUrl(server, { folder: demo }), { timeout: 60_000 });
    await waitForWorkbench(page);
    await focusWorkbench(page);
    await openFile(page, 'sample.txt');
    await runFromPalette(page, 'Decoder Lens: Inspect Model Outputs');
    const frame = await findWebviewFrame(page, '.output-name, .error', 90_000);
    const error = await frame.$('.error');
    assert.equal(error, null, `the panel shows an error: ${await error?.textContent()}`);
    const names = await frame.$$eval('.output-name', (items) => items.map((i) => i.textContent?.trim()));
    assert.ok(names.includes('logits'), names.join(', '));
    await page.screenshot({ path: join(repoRoot, 'test-results', 'screenshots', 'vsix-installed.png') }).catch(() => undefined);
  });
} finally {
  await browser?.close();
  await server?.stop();
  rmSync(extensionsDir, { recursive: true, force: true });
}
finish();
