// The code-server workbench as a browser page: the payload URL and the UI moves a person makes.
import { resolve } from 'node:path';
import { sleep } from './util.mjs';

/**
 * The workbench URL for `folder`. `extensionDevelopmentPath` loads the extension from the source tree (as F5
 * does); with `extensionTestsPath` VS Code runs that mocha entry in the extension host and then reports the
 * exit code through window.codeAutomationExit. Needs `--vscode-option enable-smoke-test-driver` on the server.
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${resolve(p)}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  payload.push(['skipWelcome', 'true']);
  return `${server.url}/?folder=${encodeURIComponent(resolve(folder))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/**
 * codeAutomationLog(level, args) gets console.log's arguments unformatted (mocha's spec reporter passes
 * '%s (%dms)', title, ms): apply the printf-style directives like Node's util.format, drop %c styles.
 */
export function formatLogArgs(args) {
  const list = Array.isArray(args) ? [...args] : [args];
  let text = '';
  if (typeof list[0] === 'string') {
    text = list.shift().replace(/%([sdifjoOc%])/g, (all, d) => {
      if (d === '%') return '%';
      if (!list.length) return all;
      const v = list.shift();
      if (d === 'c') return '';
      if (d === 'd' || d === 'i') return String(d === 'i' ? parseInt(v, 10) : Number(v));
      if (d === 'f') return String(parseFloat(v));
      return typeof v === 'string' ? v : safeJson(v);
    });
  }
  const rest = list.map((v) => (typeof v === 'string' ? v : safeJson(v)));
  return text && rest.length ? `${text} ${rest.join(' ')}` : text || rest.join(' ');
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Waits for the workbench to be usable: the status bar is there and the explorer shows the folder. */
export async function waitForWorkbench(page, timeout = 60_000) {
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout });
}

/** Focus the workbench without putting the cursor anywhere: click the status bar (not the editor area). */
export async function focusWorkbench(page) {
  await page.click('.monaco-workbench .part.statusbar', { position: { x: 5, y: 5 } });
}

const quickInput = '.quick-input-widget .quick-input-box input';

/** Opens the palette (F1), types `text`, waits for a row whose label contains `expect`, and accepts it. */
export async function runFromPalette(page, text, expect = text, { timeout = 20_000, replacePrefix = false, beforeAccept } = {}) {
  await page.keyboard.press('F1');
  const input = await page.waitForSelector(quickInput, { state: 'visible', timeout });
  // F1 opens the command palette with '>' typed; without it the same box is Quick Open (files).
  if (replacePrefix) await input.fill(text);
  else await page.keyboard.type(text, { delay: 10 });
  const row = `.quick-input-widget .monaco-list-row[aria-label*="${expect.replace(/"/g, '\\"')}"]`;
  await page.waitForSelector(row, { state: 'visible', timeout });
  // Let the list settle on the best match before accepting it.
  await sleep(300);
  await beforeAccept?.();
  await page.keyboard.press('Enter');
  await page.waitForSelector(quickInput, { state: 'hidden', timeout }).catch(() => undefined);
}

/** Opens a workspace file through Quick Open as a person would. */
export async function openFile(page, name, timeout = 20_000) {
  await runFromPalette(page, name, name, { timeout, replacePrefix: true });
  await page.waitForSelector(`.tabs-container .tab[aria-label*="${name}"]`, { timeout });
  await page.waitForSelector('.editor-instance .monaco-editor .view-lines', { timeout });
}

/**
 * The webview's content frame. A webview is an iframe whose URL contains /webview/browser/pre/ and whose
 * content sits in a nested frame inside it; return the first frame (nested or not) that has `selector`.
 */
export async function findWebviewFrame(page, selector, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const outer of page.frames().filter((f) => f.url().includes('/webview/browser/pre/'))) {
      for (const frame of [outer, ...outer.childFrames()]) {
        const found = await frame.$(selector).catch(() => null);
        if (found) return frame;
      }
    }
    await sleep(250);
  }
  throw new Error(`no webview frame with ${selector} within ${timeout / 1000}s (frames: ${page.frames().map((f) => f.url()).join(', ')})`);
}
