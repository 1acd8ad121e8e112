// A person's first session with Decoder Lens, asserting what they would see: open sample.txt, select line 1,
// run "Decoder Lens: Decode Selection" from the palette, watch the progress, read the attention panel, see the
// decorations on the line and hover a token. Takes the README's screenshots (docs/screenshots/).
/* global document, getComputedStyle -- page.evaluate callbacks run in the browser */
import assert from 'node:assert/strict';
import {
  closeSideBar,
  editorTextRect,
  findWebviewFrame,
  focusWorkbench,
  holdNotificationsCenterOpen,
  notificationsSeen,
  openFile,
  parkMouse,
  runFromPalette,
  setNotificationsCenter,
  startScreencast,
  watchNotifications,
  widenEditorGroup,
  statusText,
  waitForStatus,
} from '../harness/workbench.mjs';
import { sleep } from '../harness/util.mjs';

export const name = 'palette: Decode Selection shows progress, the attention panel, decorations and the hover';

const LINE = 'copy: the red fox saw a big moon =';
// The demo model (dist/demo-model) copies the words after "copy:"; it has 2 layers of 4 heads.
const CONTINUATION = 'the red fox saw a big moon';
const LAYERS = 2;
const HEADS = 4;
const editor = '.editor-instance .monaco-editor';

export async function run({ page, shot, log }) {
  await focusWorkbench(page);
  // The README's screenshots want the editor and the panel side by side, not the explorer.
  await closeSideBar(page);
  await openFile(page, 'sample.txt');

  // 1. Select line 1: click into the text, Ctrl+Home, Shift+End.
  await page.click(`${editor} .view-lines`);
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Shift+End');
  await page.waitForSelector(`${editor} .selected-text`, { timeout: 10_000 });
  await waitForStatus(page, /Ln 1, Col 35 \(34 selected\)/, 'line 1 (34 characters) is not selected');

  // 2. Progress. VS Code does not show notification toasts when the smoke-test driver is enabled (its
  // NotificationsToasts.addToast returns early on environmentService.enableSmokeTestDriver), and this harness
  // must enable it to load the extension from the source tree. So we do what a person can do to watch it: open
  // the notifications center (the bell) first; the progress notification appears there, "Decoder Lens:
  // decoding: step k of n", and is removed when the decode ends. A MutationObserver installed before running the
  // command records every message it shows, so a decode too fast to screenshot is still observed.
  await parkMouse(page); // off the editor, so its scrollbars fade
  await setNotificationsCenter(page, true);
  await watchNotifications(page, /./);
  // A screencast records every frame painted meanwhile: the notification may be up for less than a second,
  // too short for screenshots in a loop on a busy machine.
  const screencast = await startScreencast(page);
  const t0 = Date.now();
  let frames = [];
  try {
    await runFromPalette(page, 'Decoder Lens: Decode Selection');
    // Another notification coming and going (anything in the window may post one) would close the center
    // before ours arrives: keep it open until the progress notification has been rendered.
    const ours = async () => (await notificationsSeen(page)).some((s) => /^Decoder Lens: decoding/.test(s.text));
    await holdNotificationsCenterOpen(page, ours, 30_000);
    // Then wait for it to go (the decode ended), or 30 s.
    await page
      .waitForFunction(
        () =>
          ![...document.querySelectorAll('.notification-list-item-message')].some((m) =>
            /Decoder Lens: decoding/.test(m.textContent ?? ''),
          ),
        undefined,
        { timeout: 30_000, polling: 50 },
      )
      .catch(() => undefined);
  } finally {
    frames = await screencast.stop();
  }
  // The frame for decode-progress.png: the first one painted after a "step k of n" message was rendered (else
  // the title alone), while it still was, from the times the observer recorded. (The notification stays up at
  // least 800 ms, so later frames already show the panel opening.)
  const progressLog = (await notificationsSeen(page)).filter((s) => /^Decoder Lens: decoding/.test(s.text));
  const firstAt = (re) => progressLog.find((s) => !s.gone && re.test(s.text))?.at;
  const endAt = progressLog.filter((s) => s.gone).at(-1)?.at ?? Infinity;
  const pick = (from) => (from === undefined ? undefined : frames.find((f) => f.at > from + 30 && f.at < endAt - 5));
  const stepFrame = pick(firstAt(/step \d+ of \d+/));
  const progressFrame = stepFrame ?? pick(firstAt(/decoding/));
  if (progressFrame) {
    // The frame differs every run (the spinner, the progress bar): docs/screenshots keeps the one it has.
    await shot('decode-progress', { buffer: progressFrame.png, docs: 'decode-progress.png', keepExisting: true });
    log(
      `progress screenshot: ${stepFrame ? 'a "step k of n" frame' : 'title only (no frame painted while a step showed)'}; ${frames.length} frames recorded`,
    );
  } else
    log(`NOTE: no frame was recorded while the progress notification was up (${frames.length} frames); decode-progress.png not updated`);

  // 3. The panel opens beside the editor.
  const frame = await findWebviewFrame(page, '.head-canvas[data-paint-ms]', 60_000);
  log(`panel painted ${((Date.now() - t0) / 1000).toFixed(1)} s after the command`);
  const all = (await notificationsSeen(page)).filter((s) => !s.gone);
  const seen = all.filter((s) => /^Decoder Lens/.test(s.text));
  log(`progress seen: ${seen.map((s) => `${s.ms} ms "${s.text}"`).join(' · ') || 'nothing'}`);
  const others = all.filter((s) => !/^Decoder Lens/.test(s.text));
  if (others.length) log(`other notifications meanwhile: ${others.map((s) => `${s.ms} ms "${s.text}"`).join(' · ')}`);
  assert.ok(
    seen.some((s) => /^Decoder Lens: decoding/.test(s.text)),
    `no "Decoder Lens: decoding" notification was ever rendered (saw: ${JSON.stringify(seen)})`,
  );
  // maxNewTokens defaults to 20: the worker reports each step against that.
  assert.ok(
    seen.some((s) => /^Decoder Lens: decoding: step \d+ of 20$/.test(s.text)),
    `no "Decoder Lens: decoding: step k of 20" message was rendered (saw: ${JSON.stringify(seen)})`,
  );
  await setNotificationsCenter(page, false);

  // The status bar names the active model: the built-in demo (the demo folder has no model of its own).
  const status = await statusText(page);
  assert.match(status, /demo model/, `the status bar does not name the demo model: ${status}`);
  const tab = await page.$('.tabs-container .tab[aria-label*="Decoder Lens"]');
  assert.ok(tab, 'no editor tab titled "Decoder Lens"');

  // Thumbnails: one per layer × head, each painted.
  await frame
    .waitForFunction((n) => document.querySelectorAll('canvas.thumb').length === n, LAYERS * HEADS, { timeout: 20_000 })
    .catch(() => undefined);
  const thumbs = await canvasInk(frame, 'canvas.thumb');
  assert.equal(thumbs.length, LAYERS * HEADS, `expected ${LAYERS}×${HEADS} thumbnails, found ${thumbs.length}`);
  const cells = await frame.$$eval('canvas.thumb', (cs) => cs.map((c) => `${c.dataset.layer}/${c.dataset.head}`));
  assert.deepEqual(
    new Set(cells),
    new Set(Array.from({ length: LAYERS * HEADS }, (_, i) => `${Math.floor(i / HEADS)}/${i % HEADS}`)),
    `thumbnails cover ${cells.join(', ')}`,
  );
  thumbs.forEach((t, i) => assertInked(t, `thumbnail ${cells[i]}`));

  // The large heatmap and every chart: non-zero size and some pixel other than the background. Chart.js may
  // still be drawing its first frame: poll until every chart has ink.
  const head = (await canvasInk(frame, '.head-canvas'))[0];
  assertInked(head, 'the head heatmap (.head-canvas)');
  const chartCount = await frame.$$eval('.chart canvas', (cs) => cs.length);
  assert.ok(chartCount >= 3, `expected the three charts (top-k, across layers, entropy), found ${chartCount} .chart canvas`);
  const charts = await poll(
    () => canvasInk(frame, '.chart canvas'),
    (cs) => cs.every(inked),
    15_000,
  );
  const chartNames = await frame.$$eval('.chart', (cs) => cs.map((c) => c.querySelector('h3')?.textContent ?? c.className));
  charts.forEach((c, i) => assertInked(c, `chart "${chartNames[i]}"`));
  log(
    `canvases: head ${head.cssWidth}×${head.cssHeight}, ${thumbs.length} thumbnails, charts ${charts.map((c) => `${c.cssWidth}×${c.cssHeight}`).join(', ')}`,
  );

  // The token strip shows the input tokens (whitespace drawn as ·) and then the generated ones.
  const strip = await frame.$$eval('.tok', (ts) =>
    ts.map((t) => ({
      i: t.dataset.i,
      role: t.classList.contains('generated') ? 'generated' : t.classList.contains('input') ? 'input' : 'other',
      text: t.textContent ?? '',
    })),
  );
  const shown = (role) =>
    strip
      .filter((t) => t.role === role)
      .map((t) => t.text.replace(/·/g, ' '))
      .join('');
  assert.equal(shown('input'), LINE, `the strip's input tokens read ${JSON.stringify(shown('input'))}`);
  assert.ok(shown('generated').startsWith(` ${CONTINUATION}`), `the strip's generated tokens read ${JSON.stringify(shown('generated'))}`);
  log(`strip: ${strip.map((t) => t.text).join(' ')}`);

  // 4. Decorations on line 1, read from the editor's DOM. Put the cursor on the empty last line first: the
  // selection would cover the tint.
  const lineHeight = (await editorTextRect(page, LINE, 'copy')).line.height;
  await page.click(`${editor} .view-lines`, { position: { x: 200, y: 5 * lineHeight + lineHeight / 2 } });
  await page.waitForSelector(`${editor} .selected-text`, { state: 'detached', timeout: 10_000 });
  const deco = await decorations(page, LINE);
  log(
    `decorations: ghost ${JSON.stringify(deco.ghost.map((g) => g.content))}, ${deco.tints.length} tinted spans, ${deco.borders} token borders`,
  );
  assert.equal(deco.ghost.length, 1, `expected one ghost text after line 1, found ${JSON.stringify(deco.ghost)}`);
  assert.match(deco.ghost[0].content.replace(/\s+/g, ' '), new RegExp(`^"?⟶ ${CONTINUATION}`), 'ghost text');
  assert.ok(
    deco.ghost[0].x >= deco.lineEnd - 1,
    `the ghost text starts at x=${deco.ghost[0].x}, before the end of the line (${deco.lineEnd})`,
  );
  assert.ok(deco.tints.length > 0, 'no tinted token on line 1');
  // The prompt words are unpredictable by construction (the model only copies them later): "fox" is tinted.
  const fox = await editorTextRect(page, LINE, 'fox');
  assert.ok(fox, '"fox" is not on screen');
  assert.ok(
    deco.tints.some((t) => t.x <= fox.x + 1 && t.x + t.width >= fox.x + fox.width - 1),
    `"fox" (x ${fox.x}–${fox.x + fox.width}) is not under a tint: ${JSON.stringify(deco.tints)}`,
  );
  assert.ok(deco.borders >= 1, 'no token boundary on line 1');
  // VS Code merges touching ranges of one decoration type into one element, so the extension alternates two
  // boundary types: every token of the line gets its own border.
  const inputTokens = strip.filter((t) => t.role === 'input').length;
  assert.ok(deco.borders >= inputTokens - 1, `${deco.borders} token boundaries drawn on a line of ${inputTokens} tokens`);

  // Widen the editor against the panel until the ghost text clears the minimap (a person drags the sash).
  const charWidth = fox.width / 'fox'.length;
  const ghostEnd = deco.ghost[0].x + (deco.ghost[0].content.length + 1) * charWidth;
  const minimapLeft = await page.$eval(`${editor} .minimap`, (m) => m.getBoundingClientRect().x).catch(() => undefined);
  if (minimapLeft !== undefined && ghostEnd + 12 > minimapLeft) {
    await widenEditorGroup(page, '.tab[aria-label*="sample.txt"]', Math.ceil(ghostEnd + 12 - minimapLeft)).then(
      (width) => log(`widened the editor group to ${Math.round(width)} px so the ghost text shows whole`),
      (e) => log(`NOTE: could not widen the editor group (${e.message}); the screenshots may cut the ghost text`),
    );
  }

  // panel.png: the decorated line beside the panel as it first opens (query: the last input token).
  await parkMouse(page);
  await shot('panel', { docs: 'panel.png' });
  // decorations.png: line 1 tinted with its ghost text, and two undecorated lines under it; the text area only
  // (up to the minimap).
  const line1 = (await editorTextRect(page, LINE, 'copy')).line;
  const editorBox = await (await page.$(editor)).boundingBox();
  const textRight = await page.$eval(`${editor} .minimap`, (m) => m.getBoundingClientRect().x).catch(() => editorBox.x + editorBox.width);
  await shot('decorations', {
    docs: 'decorations.png',
    clip: clipOf(page, { x: editorBox.x, y: line1.y - 4, width: textRight - 8 - editorBox.x, height: 3 * line1.height + 4 }),
  });

  // The charts, further down the panel (for the record: the README shows the top of the panel).
  await frame.$eval('.charts', (c) => c.scrollIntoView({ block: 'center' }));
  await sleep(300);
  await shot('panel-charts');
  await frame.evaluate(() => (document.scrollingElement ?? document.documentElement).scrollTo(0, 0));

  // Click the 4th token ("·red"): it becomes the selected query.
  const before = await frame.$eval('.tok.query', (t) => t.dataset.i).catch(() => undefined);
  await frame.click('.tok[data-i="3"]', { timeout: 10_000 });
  await frame.waitForSelector('.tok[data-i="3"].query[aria-selected="true"]', { timeout: 10_000 });
  const selected = await frame.$$eval('.tok[aria-selected="true"]', (ts) => ts.map((t) => t.dataset.i));
  assert.deepEqual(selected, ['3'], `selected tokens after the click: ${selected.join(', ')} (before: ${before})`);
  assert.equal(await frame.$eval('.strip', (s) => s.getAttribute('aria-activedescendant')), 'tok-3');
  log(`clicked token 3: the query moved from token ${before} to 3; head view: ${await frame.$eval('.head-title', (h) => h.textContent)}`);
  await shot('panel-token-selected');

  // 5. Hover "red" in the editor (its tooltip fits beside the panel).
  const red = await editorTextRect(page, LINE, 'red');
  await page.mouse.move(red.x + red.width / 2, red.y + red.height / 2, { steps: 5 });
  const hover = await page
    .waitForFunction(
      () => [...document.querySelectorAll('.monaco-hover')].some((h) => h.offsetParent !== null && /Attends to/.test(h.textContent ?? '')),
      undefined,
      { timeout: 15_000 },
    )
    .then(() => readHover(page))
    .catch(async (e) => {
      await shot('hover-missing');
      throw new Error(`no hover with "Attends to" over "red": ${e.message}`);
    });
  log(`hover: ${hover.text.replace(/\s*\n\s*/g, ' | ')}`);
  const firstLine = hover.text.trim().split('\n')[0];
  assert.match(firstLine, /red/, `the hover's first line names the token: ${firstLine}`);
  assert.match(hover.text, /Probability under the model: \d+(\.\d+)?%/, 'the hover shows the token probability');
  assert.match(hover.text, /Attends to \(layer \d+, /, 'the hover says which layer');
  const body = hover.rows.slice(1).filter((r) => r.length >= 2);
  assert.ok(body.length >= 1, `the hover's attention table has no rows: ${JSON.stringify(hover.rows)}`);
  for (const [token, weight] of body) {
    assert.ok(token.length > 0, `a row without a token: ${JSON.stringify(body)}`);
    assert.match(weight, /^\d+(\.\d+)?%$/, `a row's weight is not a percentage: ${JSON.stringify(body)}`);
  }
  // Self attention looks back only: every token "red" attends to with some weight comes before it on the line.
  const upToRed = ['copy', ':', 'the', 'red'];
  const attended = body.filter(([, weight]) => parseFloat(weight) > 0);
  assert.ok(attended.length >= 1, `"red" attends to nothing: ${JSON.stringify(body)}`);
  for (const [token] of attended)
    assert.ok(upToRed.includes(token.replace(/␣/g, '')), `"red" attends to ${token}, which is not before it: ${JSON.stringify(body)}`);
  const masked = body.filter(([token, weight]) => parseFloat(weight) === 0 && !upToRed.includes(token.replace(/␣/g, '')));
  assert.equal(masked.length, 0, `the hover lists keys after the query (hidden by the causal mask): ${JSON.stringify(masked)}`);

  // The tooltip scrolls at its default height; drag its bottom edge down so the whole of it shows.
  const grown = await growHover(page);
  if (!grown) log('NOTE: could not enlarge the hover; hover.png shows it scrolled');
  const b = (await readHover(page)).box;
  // hover.png: the line numbers, line 1 and the tooltip under it, no more.
  const left = Math.min(b.x, red.line.x) - 70;
  const top = red.line.y - 4;
  await shot('hover', {
    docs: 'hover.png',
    clip: clipOf(page, { x: left, y: top, width: b.x + b.width + 6 - left, height: b.y + b.height + 12 - top }),
  });
}

/** The hover that says "Attends to": its text, table rows and box. */
function readHover(page) {
  return page.$$eval(
    '.monaco-hover',
    (hs) =>
      hs
        .filter((h) => /Attends to/.test(h.textContent ?? ''))
        .map((h) => ({
          text: h.innerText,
          rows: [...h.querySelectorAll('tr')].map((r) => [...r.cells].map((c) => c.innerText.trim())),
          box: h.getBoundingClientRect().toJSON(),
        }))[0],
  );
}

/** Drags the hover's bottom sash down by what its content overflows; true if it then shows everything. */
async function growHover(page) {
  const overflow = await page.$eval('.monaco-hover', (h) => {
    const scroller = h.querySelector('.monaco-scrollable-element') ?? h;
    const content = scroller.firstElementChild ?? scroller;
    return content.scrollHeight - scroller.clientHeight;
  });
  if (overflow <= 0) return true;
  const sash = await page.$('.monaco-resizable-hover .monaco-sash.orthogonal-edge-south:not(.disabled)');
  const box = await sash?.boundingBox();
  if (!box) return false;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y, { steps: 3 });
  await page.mouse.down();
  await page.mouse.move(x, y + overflow / 2, { steps: 4 });
  await page.mouse.move(x, y + overflow + 8, { steps: 4 });
  await page.mouse.up();
  await sleep(400);
  return page.$eval('.monaco-hover', (h) => {
    const scroller = h.querySelector('.monaco-scrollable-element') ?? h;
    const content = scroller.firstElementChild ?? scroller;
    return content.scrollHeight - scroller.clientHeight <= 1;
  });
}

/** Size and ink of each canvas: how many pixels differ from the background (the top-left pixel). */
function canvasInk(frame, selector) {
  return frame.$$eval(selector, (canvases) =>
    canvases.map((c) => {
      const out = { width: c.width, height: c.height, cssWidth: c.clientWidth, cssHeight: c.clientHeight, differing: 0, colours: 0 };
      if (!c.width || !c.height) return out;
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const colours = new Set();
      for (let i = 0; i < data.length; i += 4) {
        if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2] || data[i + 3] !== data[3]) out.differing++;
        if (colours.size < 256) colours.add((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]);
      }
      out.colours = colours.size;
      return out;
    }),
  );
}

const inked = (c) => c.width > 0 && c.height > 0 && c.cssWidth > 0 && c.cssHeight > 0 && c.differing > 0;

function assertInked(c, what) {
  assert.ok(c, `${what} is missing`);
  assert.ok(c.width > 0 && c.height > 0 && c.cssWidth > 0 && c.cssHeight > 0, `${what} has no size: ${JSON.stringify(c)}`);
  assert.ok(c.differing > 0, `${what} is blank (every pixel is the background): ${JSON.stringify(c)}`);
}

/** Calls `get` until `ok(value)` or the timeout; returns the last value. */
async function poll(get, ok, timeout) {
  const deadline = Date.now() + timeout;
  let value = await get();
  while (!ok(value) && Date.now() < deadline) {
    await sleep(250);
    value = await get();
  }
  return value;
}

/**
 * What the editor draws on the line starting with `lineStart`: the `after` decoration (ghost text) as the
 * CSS ::after content of a span in the line, and the tints and borders as `.cdr` elements of the overlay layer
 * at the line's height (VS Code renders backgroundColor/border decorations there).
 */
function decorations(page, lineStart) {
  return page.evaluate(
    ({ lineStart, scope }) => {
      const norm = (s) => s.replace(/\u00a0/g, ' ');
      const line = [...document.querySelectorAll(`${scope} .view-lines .view-line`)].find((l) =>
        norm(l.textContent ?? '').startsWith(lineStart),
      );
      if (!line) return { ghost: [], tints: [], borders: 0, lineEnd: 0 };
      const textSpans = [...line.querySelectorAll('span')].filter((s) => !s.children.length && s.textContent);
      const lineEnd = Math.max(...textSpans.map((s) => s.getBoundingClientRect().right));
      const ghost = [...line.querySelectorAll('span')]
        .map((s) => ({ content: getComputedStyle(s, '::after').content, x: s.getBoundingClientRect().x }))
        .filter((g) => g.content && g.content !== 'none' && g.content !== 'normal');
      const top = line.style.top;
      const overlay = [...document.querySelectorAll(`${scope} .view-overlays > div`)].find((d) => d.style.top === top);
      const cdr = overlay ? [...overlay.querySelectorAll('.cdr')] : [];
      const transparent = (c) => c === 'transparent' || /rgba\(\d+, \d+, \d+, 0\)/.test(c);
      const tints = cdr
        .filter((d) => !transparent(getComputedStyle(d).backgroundColor))
        .map((d) => {
          const r = d.getBoundingClientRect();
          return { x: r.x, width: r.width, colour: getComputedStyle(d).backgroundColor };
        });
      const borders = cdr.filter((d) => {
        const cs = getComputedStyle(d);
        return (
          (parseFloat(cs.borderRightWidth) > 0 && !transparent(cs.borderRightColor)) ||
          (parseFloat(cs.borderLeftWidth) > 0 && !transparent(cs.borderLeftColor))
        );
      }).length;
      return { ghost, tints, borders, lineEnd };
    },
    { lineStart, scope: editor },
  );
}

/** A screenshot clip kept inside the viewport. */
function clipOf(page, { x, y, width, height }) {
  const v = page.viewportSize();
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  return { x: x0, y: y0, width: Math.min(Math.round(width), v.width - x0), height: Math.min(Math.round(height), v.height - y0) };
}
