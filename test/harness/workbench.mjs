// The code-server workbench as a browser page: the payload URL and the UI moves a person makes.
/* global window, document, performance, MutationObserver, NodeFilter -- page.evaluate callbacks run in the browser */
import { resolve } from 'node:path';
import { sleep, withTimeout } from './util.mjs';

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
  const found = await page.waitForSelector(row, { state: 'visible', timeout: timeout / 2 }).catch(() => null);
  if (!found) {
    // Keys typed while the workbench moved focus (a webview taking it, a tab opening) can be lost: say what the
    // box held, then type it again as a person would.
    const held = await input.inputValue().catch(() => '?');
    const rows = await page.$$eval('.quick-input-widget .monaco-list-row', (r) => r.slice(0, 5).map((x) => x.getAttribute('aria-label')));
    console.log(
      `    palette: no "${expect}" row after typing; the box held ${JSON.stringify(held)}, rows ${JSON.stringify(rows)}; typing again`,
    );
    await input.fill(replacePrefix ? text : `>${text}`);
    await page.waitForSelector(row, { state: 'visible', timeout });
  }
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
  throw new Error(
    `no webview frame with ${selector} within ${timeout / 1000}s (frames: ${page
      .frames()
      .map((f) => f.url())
      .join(', ')})`,
  );
}

/** Closes the primary side bar (the palette's "View: Close Primary Side Bar") so the editors get its width. */
export async function closeSideBar(page, timeout = 20_000) {
  if (!(await page.$('.monaco-workbench .part.sidebar:visible'))) return;
  await runFromPalette(page, 'View: Close Primary Side Bar', 'View: Close Primary Side Bar', { timeout });
  await page.waitForSelector('.monaco-workbench .part.sidebar', { state: 'hidden', timeout });
}

/**
 * Moves the mouse onto the status bar (not a hover target) and waits for the editor's scrollbars and minimap
 * slider, which show while the mouse is over the editor, to fade out: screenshots then show what is at rest.
 */
export async function parkMouse(page) {
  const bar = await page.$('.monaco-workbench .part.statusbar');
  const box = await bar?.boundingBox();
  if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
  await sleep(1200);
}

const bell = '.monaco-workbench .part.statusbar [id="status.notifications"]';
const center = '.notifications-center';

/** Opens or closes the notifications center with the status bar's bell, as a person does. */
export async function setNotificationsCenter(page, open, timeout = 10_000) {
  const isOpen = async () => Boolean(await page.$(`${center}.visible`));
  if ((await isOpen()) === open) return;
  await page.click(bell, { timeout });
  await page.waitForSelector(`${center}.visible`, { state: open ? 'visible' : 'detached', timeout }).catch(async (e) => {
    if ((await isOpen()) !== open) throw e;
  });
}

/**
 * Keeps the notifications center open until `done()` resolves true or `timeout` ms pass: VS Code hides the
 * center whenever its last notification is removed, so any notification that comes and goes (from anything
 * in the window) would close it; this reopens it with the bell. Returns whether `done()` became true.
 */
export async function holdNotificationsCenterOpen(page, done, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await done()) return true;
    if (!(await page.$(`${center}.visible`))) await page.click(bell, { timeout: 5_000 }).catch(() => undefined);
    await sleep(50);
  }
  return done();
}

/**
 * Records, from now on, every distinct notification message the workbench renders (toasts and the center)
 * whose text matches `pattern`: when it was first rendered and when it stopped being rendered (`gone: true`),
 * as `ms` since the call and `at` (epoch ms, comparable with screencast frames). A MutationObserver sees
 * messages that come and go between two polls.
 */
export async function watchNotifications(page, pattern) {
  await page.evaluate((source) => {
    const re = new RegExp(source);
    const t0 = performance.now();
    const seen = [];
    const shown = new Set();
    const record = () => {
      const now = new Set();
      for (const m of document.querySelectorAll('.notification-list-item-message')) {
        const text = (m.textContent ?? '').trim();
        if (!re.test(text)) continue;
        now.add(text);
        if (!shown.has(text))
          seen.push({
            ms: Math.round(performance.now() - t0),
            at: Date.now(),
            text,
            where: m.closest('.notifications-center') ? 'center' : 'toast',
          });
      }
      for (const text of shown) if (!now.has(text)) seen.push({ ms: Math.round(performance.now() - t0), at: Date.now(), text, gone: true });
      shown.clear();
      now.forEach((t) => shown.add(t));
    };
    window.__dlNotifications?.observer.disconnect();
    const observer = new MutationObserver(record);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    window.__dlNotifications = { seen, observer };
    record();
  }, pattern.source);
}

/** What watchNotifications recorded so far. */
export function notificationsSeen(page) {
  return page.evaluate(() => window.__dlNotifications?.seen ?? []);
}

/**
 * The viewport rectangle of `text` on the editor line that starts with `lineStart` (Monaco renders spaces as
 * no-break spaces; both are compared as spaces), from the rendered text nodes. Null when not on screen.
 */
export function editorTextRect(page, lineStart, text, scope = '.editor-instance .monaco-editor') {
  return page.evaluate(
    ({ lineStart, text, scope }) => {
      const norm = (s) => s.replace(/\u00a0/g, ' ');
      const line = [...document.querySelectorAll(`${scope} .view-lines .view-line`)].find((l) =>
        norm(l.textContent ?? '').startsWith(lineStart),
      );
      if (!line) return null;
      const nodes = [];
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
      const full = norm(nodes.map((n) => n.data).join(''));
      const at = full.indexOf(text);
      if (at < 0) return null;
      const locate = (offset) => {
        for (const n of nodes) {
          if (offset <= n.data.length) return [n, offset];
          offset -= n.data.length;
        }
        return [nodes.at(-1), nodes.at(-1).data.length];
      };
      const range = document.createRange();
      range.setStart(...locate(at));
      range.setEnd(...locate(at + text.length));
      const r = range.getBoundingClientRect();
      const l = line.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height, line: { x: l.x, y: l.y, width: l.width, height: l.height } };
    },
    { lineStart, text, scope },
  );
}

/**
 * Drags the sash on the right edge of the editor group holding `selector` by `dx` pixels (a person widening
 * that group against the one beside it). Returns the group's new width.
 */
export async function widenEditorGroup(page, selector, dx, timeout = 10_000) {
  const group = await page.waitForSelector(`.part.editor .editor-group-container:has(${selector})`, { timeout });
  const box = await group.boundingBox();
  const right = box.x + box.width;
  let sash;
  for (const s of await page.$$('.part.editor .monaco-sash.vertical')) {
    const b = await s.boundingBox();
    if (b && Math.abs(b.x + b.width / 2 - right) <= 4 && b.height > box.height / 2) sash = b;
  }
  if (!sash) throw new Error(`no sash at the right edge (x ${right}) of the editor group with ${selector}`);
  const x = sash.x + sash.width / 2;
  const y = sash.y + sash.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y, { steps: 5 });
  await page.mouse.move(x + dx, y, { steps: 5 });
  await page.mouse.up();
  await sleep(300);
  return (await group.boundingBox()).width;
}

/**
 * Records the frames the page paints (a CDP screencast, PNG) until stop(), which returns them as
 * { at: epoch ms of the frame, png: Buffer }. Cheaper than screenshots in a loop, and it sees short-lived states.
 * Keeps the last `maxFrames`.
 */
export async function startScreencast(page, { everyNthFrame = 1, maxFrames = 120 } = {}) {
  const cdp = await page.context().newCDPSession(page);
  const frames = [];
  cdp.on('Page.screencastFrame', ({ data, metadata, sessionId }) => {
    frames.push({ at: metadata.timestamp * 1000, png: Buffer.from(data, 'base64') });
    if (frames.length > maxFrames) frames.shift();
    cdp.send('Page.screencastFrameAck', { sessionId }).catch(() => undefined);
  });
  const { width, height } = page.viewportSize();
  await cdp.send('Page.startScreencast', { format: 'png', maxWidth: width, maxHeight: height, everyNthFrame });
  let stopped;
  return {
    stop: () =>
      (stopped ??= (async () => {
        await withTimeout(cdp.send('Page.stopScreencast'), 5_000, 'stopping the screencast').catch(() => undefined);
        await cdp.detach().catch(() => undefined);
        return frames;
      })()),
  };
}

/** The status bar's text (the cursor position item says what is selected). */
export function statusText(page) {
  return page.$eval('.monaco-workbench .part.statusbar', (s) => s.textContent ?? '');
}

/**
 * Waits until the status bar's text matches (it updates a moment after the editor draws a selection) and
 * returns it; on a timeout, fails with `message` and the last text seen.
 */
export async function waitForStatus(page, pattern, message, ms = 10_000) {
  const end = Date.now() + ms;
  let text = '';
  for (;;) {
    text = await statusText(page);
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`${message} (status bar: ${JSON.stringify(text)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
