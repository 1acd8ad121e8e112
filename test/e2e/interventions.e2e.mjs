// The interventions as a person uses them: decode line 1 of sample.txt with the demo model, pick a head in the
// attention panel's model grid (Space on the focused cell), press "Ablate and rerun" and read the compare view
// that opens (B names the ablation, the divergence heatmap is painted); then run "Decoder Lens: Why This Token?"
// from the palette and read the occlusion underlines in the editor and the hover over " red"; then "Rank Heads" and
// "Patch Activations…" from the palette, read in the interventions view (heatmaps painted, bars sorted). Takes the
// README's docs/screenshots/ablation.png, occlusion.png, ranking.png and patching.png.
/* global document, getComputedStyle */
import assert from 'node:assert/strict';
import {
  closeSideBar,
  editorTextRect,
  findWebviewFrame,
  focusWorkbench,
  openFile,
  parkMouse,
  runFromPalette,
} from '../harness/workbench.mjs';
import { sleep } from '../harness/util.mjs';

export const name =
  'panel: Ablate and rerun opens the compare view naming the ablation; Why This Token? underlines the input; Rank Heads and Patch Activations chart in the interventions view';

const editor = '.editor-instance .monaco-editor';
const LINE = 'copy: the red fox saw a big moon =';
const CORRUPT = 'copy: a red fox saw a big moon =';
const LAYERS = 2;
const HEADS = 4;

export async function run({ page, shot, log }) {
  await focusWorkbench(page);
  await closeSideBar(page);
  await openFile(page, 'sample.txt');

  // 1. Decode line 1.
  await page.click(`${editor} .view-lines`);
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Shift+End');
  await page.waitForSelector(`${editor} .selected-text`, { timeout: 10_000 });
  await runFromPalette(page, 'Decoder Lens: Decode Selection');
  const panel = await findWebviewFrame(page, '.grid .thumb', 60_000);
  await page.waitForSelector('.tabs-container .tab[aria-label*="Decoder Lens: demo-model"]', { timeout: 20_000 });
  // The cursor on the empty last line: the selection would hide line 1's tint in the screenshots.
  const lineHeight = await page.$eval(`${editor} .view-lines .view-line`, (l) => l.getBoundingClientRect().height);
  await page.click(`${editor} .view-lines`, { position: { x: 200, y: 5 * lineHeight + lineHeight / 2 } });
  await page.waitForSelector(`${editor} .selected-text`, { state: 'detached', timeout: 10_000 });

  // 2. In the model grid: nothing chosen, the button disabled; focus the grid, move to layer 0 · head 3 with the
  // arrow keys and press Space.
  const run = panel.locator('button.ablate-run');
  assert.equal((await run.textContent()).trim(), 'Ablate and rerun');
  assert.ok(await run.isDisabled(), '"Ablate and rerun" is enabled with no head chosen');
  const cells = await panel.$$eval('.grid .thumb', (cs) => cs.map((c) => `${c.dataset.layer}.${c.dataset.head}`));
  assert.equal(cells.length, LAYERS * HEADS, `the model grid: ${cells.join(' ')}`);
  // Click layer 0 · head 0 (opens it; the grid keeps the focus), then → three times.
  await panel.click('.grid .thumb[data-layer="0"][data-head="0"]');
  await panel.focus('.grid');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await panel.waitForFunction(() => /head 3/.test(document.querySelector('.head-title')?.textContent ?? ''), undefined, {
    timeout: 10_000,
  });
  await page.keyboard.press('Space');
  await panel.waitForFunction(() => document.querySelector('.ablate-count')?.textContent === '1 heads chosen', undefined, {
    timeout: 10_000,
  });
  assert.ok(!(await run.isDisabled()), '"Ablate and rerun" stays disabled with a head chosen');
  // Ctrl+click chooses a second head, and Ctrl+click again takes it back.
  await panel.click('.grid .thumb[data-layer="1"][data-head="1"]', { modifiers: ['Control'] });
  assert.equal(await panel.textContent('.ablate-count'), '2 heads chosen', 'Ctrl+click did not choose layer 1 · head 1');
  await panel.click('.grid .thumb[data-layer="1"][data-head="1"]', { modifiers: ['Control'] });
  assert.equal(await panel.textContent('.ablate-count'), '1 heads chosen', 'Ctrl+click again did not take layer 1 · head 1 back');
  await parkMouse(page);
  await shot('head-chosen');

  // 3. Ablate and rerun: the compare view opens, B names the ablation.
  await run.click();
  const view = await findWebviewFrame(page, '.gen-table', 90_000);
  await view.waitForSelector('.summary', { timeout: 20_000 });
  const sides = await view.$$eval('.side', (n) => n.map((s) => s.textContent.replace(/\s+/g, ' ').trim()));
  log(`compare sides: ${sides.join(' | ')}`);
  assert.equal(sides.length, 2, `the compare view's sides: ${JSON.stringify(sides)}`);
  assert.doesNotMatch(sides[0], /ablated/, 'A (the unablated run) names an ablation');
  assert.match(sides[1], /zero-ablated L0\.H3\b/, 'B does not name the ablation (zero-ablated L0.H3)');
  const summary = await view.textContent('.summary');
  log(`summary: ${summary}`);
  // The heatmap: one cell per layer × head, painted.
  const map = await heatmapPixels(view);
  assert.equal(map.cells.length, LAYERS * HEADS, `${map.cells.length} heatmap cells`);
  assert.ok(map.differing > 0, 'the divergence heatmap is blank');
  await page.waitForSelector('.tabs-container .tab[aria-label*="Compare: demo-model vs demo-model (zero-ablated L0.H3)"]', {
    timeout: 10_000,
  });
  // ablation.png wants the editor beside the compare view: close the attention panel's tab.
  await page.click('.tabs-container .tab[aria-label*="Decoder Lens: demo-model"] .tab-actions .action-label');
  await page.waitForSelector('.tabs-container .tab[aria-label*="Decoder Lens: demo-model"]', { state: 'detached', timeout: 10_000 });
  await parkMouse(page);
  // ablation.png: the editor area (the status bar's port count changes from run to run), less its bottom-right
  // corner, where the compare view's scrollbar ends differently from run to run.
  const editors = await page.$eval('.monaco-workbench .part.editor', (e) => e.getBoundingClientRect().toJSON());
  await shot('ablation', {
    docs: 'ablation.png',
    clip: { x: Math.round(editors.x), y: Math.round(editors.y), width: Math.round(editors.width), height: Math.round(editors.height) - 6 },
  });

  // 4. Why This Token? from the palette: underlines under line 1's input tokens.
  await page.click('.tabs-container .tab[aria-label*="sample.txt"]');
  await runFromPalette(page, 'Decoder Lens: Why This Token');
  const underlines = await page
    .waitForFunction(
      (scope) => {
        const found = [];
        for (const d of document.querySelectorAll(`${scope} .view-overlays div`)) {
          const s = getComputedStyle(d);
          const bottom = parseFloat(s.borderBottomWidth);
          if (bottom > 0 && s.borderBottomStyle === 'solid' && parseFloat(s.borderRightWidth) === 0) {
            const r = d.getBoundingClientRect();
            found.push({ width: bottom, x: r.x, y: r.y, w: r.width, h: r.height });
          }
        }
        return found.length ? found : null;
      },
      editor,
      { timeout: 60_000, polling: 250 },
    )
    .then((h) => h.jsonValue());
  log(`occlusion underlines: ${underlines.length} (widths ${underlines.map((u) => u.width).join(', ')} px)`);
  assert.ok(underlines.length >= 1, 'no occlusion underline in the editor');
  assert.ok(
    underlines.every((u) => [1, 2, 3].includes(u.width)),
    `an underline is not 1, 2 or 3 px: ${JSON.stringify(underlines)}`,
  );

  // The underlined token: " the" (line 1's first input token after "copy:") carries the first generated token.
  const the = await editorTextRect(page, LINE, ' the');
  const under = underlines.find((u) => u.x < the.x + the.width && u.x + u.w > the.x);
  assert.ok(under, `no underline under " the" (${JSON.stringify(the)}): ${JSON.stringify(underlines)}`);
  // Its hover: how far hiding it moves the chosen token's probability. (Focus off the editor first: its blinking
  // cursor would make occlusion.png differ from run to run.)
  await focusWorkbench(page);
  await page.mouse.move(under.x + under.w / 2, under.y + under.h / 2, { steps: 5 });
  const hover = await page
    .waitForFunction(
      () =>
        [...document.querySelectorAll('.monaco-hover')]
          .map((h) => (h.offsetParent !== null ? (h.textContent ?? '') : ''))
          .find((t) => /Hiding this token moves p\(/.test(t)) ?? null,
      undefined,
      { timeout: 15_000 },
    )
    .then((h) => h.jsonValue())
    .catch(async (e) => {
      await shot('occlusion-hover-missing');
      throw new Error(`no "Hiding this token moves p(…)" hover over the underline: ${e.message}`);
    });
  const said = /Hiding this token moves p\((.+?)\) at step (\d+) by ([+−])([\d.]+) points \(from ([\d.]+)% to ([\d.]+)%\)/.exec(hover);
  log(`hover: ${said?.[0] ?? hover}`);
  assert.ok(said, `the hover does not say how far p moves: ${hover}`);
  const [, chosen, step, sign, points, from, to] = said;
  // Step 1 (the panel's first step): the demo model copies " the" first, and hiding the " the" it copies lowers it.
  assert.deepEqual([chosen, step, sign], ['␣the', '1', '−'], `the hover's token, step and sign: ${said[0]}`);
  const [pFrom, pTo] = [Number(from), Number(to)];
  assert.ok(pFrom >= 0 && pFrom <= 100 && pTo >= 0 && pTo <= 100, `p before and after are not percentages: ${said[0]}`);
  // The points are p after − p before, in percentage points (each printed to 0.1).
  const delta = (sign === '−' ? -1 : 1) * Number(points);
  assert.ok(Math.abs(delta - (pTo - pFrom)) <= 0.15, `the points do not match p before and after: ${said[0]}`);
  // The tooltip scrolls at its default height (the occlusion line last): drag its bottom edge down so it all shows.
  if (!(await growHover(page))) log('NOTE: could not enlarge the hover; occlusion.png shows it scrolled');
  // occlusion.png: the editor group (line 1 underlined) down to just under the hover.
  const group = await page.$eval('.part.editor .editor-group-container:has(.tab[aria-label*="sample.txt"])', (g) =>
    g.getBoundingClientRect().toJSON(),
  );
  const tip = await page.$eval(OCCLUSION_HOVER_HOST, (h) => h.getBoundingClientRect().toJSON());
  const v = page.viewportSize();
  const bottom = Math.min(v.height, Math.round(Math.max(tip.y + tip.height + 16, group.y + 240)));
  const right = Math.min(v.width, Math.round(Math.max(group.x + group.width, tip.x + tip.width + 8)));
  await sleep(300);
  await shot('occlusion', {
    docs: 'occlusion.png',
    clip: { x: Math.round(group.x), y: Math.round(group.y), width: right - Math.round(group.x), height: bottom - Math.round(group.y) },
  });

  // 5. Rank Heads from the palette: the interventions view charts every head's drop, the largest first.
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');
  await runFromPalette(page, 'Decoder Lens: Rank Heads');
  const interventions = await findWebviewFrame(page, '.ranking-section .ranking-bars canvas[data-bars]', 90_000);
  const ranking = await gridPixels(interventions, '.ranking-map canvas');
  assert.deepEqual([ranking.layout.rows, ranking.layout.cols], [LAYERS, HEADS], 'the ranking heatmap is layers × heads');
  assert.ok(ranking.painted > 0, 'the ranking heatmap is blank');
  const bars = JSON.parse(await interventions.$eval('.ranking-bars canvas', (c) => c.dataset.bars));
  log(`ranking bars: ${bars.map((b) => `${b.label} ${b.value.toFixed(4)}`).join(', ')}`);
  assert.equal(bars.length, LAYERS * HEADS);
  for (let i = 1; i < bars.length; i++) assert.ok(bars[i - 1].value >= bars[i].value, `the bars are not sorted: ${JSON.stringify(bars)}`);
  // The head the ablation above knocked out is the one the demo model's first token needs most.
  assert.equal(bars[0].label, 'L0.H3');
  await page.waitForSelector('.tabs-container .tab[aria-label*="Decoder Lens: Interventions"]', { timeout: 10_000 });
  // Focus off the editor: its blinking cursor would make the screenshot differ from run to run.
  await focusWorkbench(page);
  await parkMouse(page);
  await sleep(300);
  await shot('ranking', { docs: 'ranking.png', clip: await editorArea(page) });

  // 6. Patch Activations…: the input box holds the clean line; edit "the" to "a" and run.
  await page.click('.tabs-container .tab[aria-label*="sample.txt"]');
  await runFromPalette(page, 'Decoder Lens: Patch Activations');
  const box = await page.waitForSelector('.quick-input-widget .quick-input-box input', { state: 'visible', timeout: 20_000 });
  await page.waitForFunction((line) => document.querySelector('.quick-input-widget .quick-input-box input')?.value === line, LINE, {
    timeout: 10_000,
  });
  await box.fill(CORRUPT);
  await page.keyboard.press('Enter');
  await interventions.waitForSelector('.patching-section .patching-map canvas[data-layout]', { timeout: 90_000 });
  const patching = await gridPixels(interventions, '.patching-map canvas');
  const tokens = LINE.split(' ').length + 1; // "copy", ":", then one token per word (the demo tokenizer)
  assert.deepEqual([patching.layout.rows, patching.layout.cols], [LAYERS, tokens], 'the patching heatmap is layers × positions');
  assert.ok(patching.painted > 0, 'the patching heatmap is blank');
  assert.match(await interventions.textContent('.patch-changed'), /“·a” ← “·the”/);
  const first = await interventions.$$eval('.interv-section', (n) => n.map((s) => s.className));
  assert.match(first[0], /patching-section/, 'the newest result goes first');
  await focusWorkbench(page);
  await parkMouse(page);
  await sleep(300);
  await shot('patching', { docs: 'patching.png', clip: await editorArea(page) });
}

/** The editor area (the status bar's port count changes from run to run), less its bottom edge. */
async function editorArea(page) {
  const e = await page.$eval('.monaco-workbench .part.editor', (x) => x.getBoundingClientRect().toJSON());
  return { x: Math.round(e.x), y: Math.round(e.y), width: Math.round(e.width), height: Math.round(e.height) - 6 };
}

/** A heatmap's layout and how many of its cell centres differ from the canvas background. */
function gridPixels(view, selector) {
  return view.$eval(selector, (c) => {
    const g = JSON.parse(c.dataset.layout);
    const dpr = c.width / c.getBoundingClientRect().width;
    const ctx = c.getContext('2d');
    const at = (x, y) => Array.from(ctx.getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data.subarray(0, 3)).join();
    const background = at(1, 1);
    let painted = 0;
    for (let r = 0; r < g.rows; r++)
      for (let k = 0; k < g.cols; k++) if (at(g.left + (k + 0.5) * g.cell, g.top + (r + 0.5) * g.cell) !== background) painted++;
    return { layout: g, painted };
  });
}

const OCCLUSION_HOVER_HOST = '.monaco-hover';

/** Drags the visible hover's bottom edge down until its content no longer scrolls; true if it all shows. */
async function growHover(page) {
  const overflow = () =>
    page.$eval('.monaco-hover', (h) => {
      const scroller = h.querySelector('.monaco-scrollable-element') ?? h;
      const content = scroller.firstElementChild ?? scroller;
      return content.scrollHeight - scroller.clientHeight;
    });
  const before = await overflow();
  if (before <= 1) return true;
  const box = await (await page.$('.monaco-resizable-hover .monaco-sash.orthogonal-edge-south:not(.disabled)'))?.boundingBox();
  if (!box) return false;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y, { steps: 3 });
  await page.mouse.down();
  await page.mouse.move(x, y + before / 2, { steps: 4 });
  await page.mouse.move(x, y + before + 8, { steps: 4 });
  await page.mouse.up();
  await sleep(400);
  return (await overflow()) <= 1;
}

/** The heatmap's cell centre colours and how many pixels differ from its top-left one. */
function heatmapPixels(view) {
  return view.$eval('.jsd-canvas', (c) => {
    const g = JSON.parse(c.dataset.layout);
    const dpr = c.width / c.getBoundingClientRect().width;
    const ctx = c.getContext('2d');
    const at = (x, y) => Array.from(ctx.getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data.subarray(0, 3));
    const cells = [];
    for (let l = 0; l < g.layers; l++)
      for (let h = 0; h < g.heads; h++) cells.push(at(g.left + (h + 0.5) * g.cell, g.top + (l + 0.5) * g.cell));
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let differing = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) differing++;
    return { cells, differing };
  });
}
