// "Decoder Lens: Compare With…" as a person uses it: decode line 1 of sample.txt with the built-in demo model
// (the tiny-gpt fixture), run Compare With… from the palette, type the fine-tuned variant's folder into VS Code's
// simple file dialog (code-server always shows that one: a quick input taking a path) and accept it, then read
// the compare view: where the generations part, the heatmap and its hover readout, and B's trace in the attention
// panel. Takes the README's docs/screenshots/compare.png from the workbench. Then "Bisect Against…" the fixture
// whose layer 1 MLP a script perturbed (the same dialog): the compare view's bisect section names layer 1, and
// docs/screenshots/bisect.png shows it.
/* global document, getComputedStyle */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  closeSideBar,
  editorTextRect,
  findWebviewFrame,
  focusWorkbench,
  openFile,
  parkMouse,
  runFromPalette,
  widenEditorGroup,
  waitForStatus,
} from '../harness/workbench.mjs';
import { repoRoot, sleep } from '../harness/util.mjs';

export const name =
  'palette: Compare With… through the file dialog shows where the fine-tuned model parts, the heatmap readout, and B in the panel';

const editor = '.editor-instance .monaco-editor';
// The fine-tuned variant swaps the last two words: the generations part at step index 5 (shown as step 6, as
// the panel counts), " big" (A) vs " moon" (B).
const FINETUNED = join(repoRoot, 'test', 'fixtures', 'models', 'tiny-gpt-finetuned');
// Layer 1's MLP output weights negated by test/fixtures (its bisect_reference.json names the layer).
const PERTURBED = join(repoRoot, 'test', 'fixtures', 'models', 'tiny-gpt-perturbed');
const PLANTED = 1;
const LINE = 'copy: the red fox saw a big moon =';
const A_TEXT = 'the red fox saw a big moon';
const B_TEXT = 'the red fox saw a moon big';
const PARTS_AT = 5;
const LAYERS = 2;
const HEADS = 4;
const dialog = '.quick-input-widget';
const dialogInput = `${dialog} .quick-input-box input`;

export async function run({ page, shot, log }) {
  await focusWorkbench(page);
  // The screenshot wants the editor and the compare view side by side, not the explorer.
  await closeSideBar(page);
  await openFile(page, 'sample.txt');

  // 1. Decode line 1 with the demo model.
  await page.click(`${editor} .view-lines`);
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Shift+End');
  await page.waitForSelector(`${editor} .selected-text`, { timeout: 10_000 });
  await waitForStatus(page, /Ln 1, Col 35 \(34 selected\)/, 'line 1 (34 characters) is not selected');
  await runFromPalette(page, 'Decoder Lens: Decode Selection');
  await findWebviewFrame(page, '.head-canvas[data-paint-ms]', 60_000);
  await page.waitForSelector('.tabs-container .tab[aria-label*="Decoder Lens: demo-model"]', { timeout: 20_000 });
  // Put the cursor on the empty last line: the selection would hide line 1's tint in the screenshot.
  const lineHeight = await page.$eval(`${editor} .view-lines .view-line`, (l) => l.getBoundingClientRect().height);
  await page.click(`${editor} .view-lines`, { position: { x: 200, y: 5 * lineHeight + lineHeight / 2 } });
  await page.waitForSelector(`${editor} .selected-text`, { state: 'detached', timeout: 10_000 });

  // 2. Compare With… opens the simple file dialog on the workspace folder.
  await runFromPalette(page, 'Decoder Lens: Compare With', 'Decoder Lens: Compare With');
  await page.waitForFunction((d) => /A second model/.test(document.querySelector(`${d} .quick-input-title`)?.textContent ?? ''), dialog, {
    timeout: 20_000,
  });
  const opened = await dialogState(page);
  log(`dialog: "${opened.title}", starts at ${opened.value}, rows ${opened.rows.map((r) => r.label).join(', ')}`);
  assert.equal(opened.value, `${join(repoRoot, 'demo')}/`, 'the dialog does not start in the workspace folder');
  assert.ok(opened.buttons.includes('Compare With'), `no "Compare With" button in the dialog: ${JSON.stringify(opened.buttons)}`);

  // Replace the path with the fine-tuned folder's, with a trailing slash as a person names a folder: the dialog
  // then lists that folder (its .onnx files) and, nothing being picked in the list, Enter accepts the folder.
  // (Without the slash, typed slowly, the dialog's autocomplete picks the folder's row in its parent, and Enter
  // opens the folder instead of accepting it.)
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`${FINETUNED}/`, { delay: 30 });
  const listed = await page
    .waitForFunction(
      ({ d, value }) => {
        const w = document.querySelector(d);
        const rows = [...w.querySelectorAll('.monaco-list-row')];
        return (
          w.querySelector('.quick-input-box input')?.value === value &&
          rows.some((r) => r.getAttribute('aria-label') === 'decoder_model.onnx') &&
          !rows.some((r) => r.classList.contains('focused'))
        );
      },
      { d: dialog, value: `${FINETUNED}/` },
      { timeout: 15_000, polling: 100 },
    )
    .then(
      () => true,
      () => false,
    );
  const typed = await dialogState(page);
  await shot('dialog');
  assert.ok(listed, `the dialog does not list the fine-tuned folder with nothing picked: ${JSON.stringify(typed)}`);
  log(`typed ${typed.value}: the dialog lists ${typed.rows.map((r) => r.label).join(', ')}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(dialogInput, { state: 'hidden', timeout: 15_000 }).catch(async (e) => {
    throw new Error(`the dialog did not accept the folder: ${e.message}; it shows ${JSON.stringify(await dialogState(page))}`);
  });
  const t0 = Date.now();

  // 3. The compare view opens beside the editor.
  await page.waitForSelector('.tabs-container .tab[aria-label*="Compare: demo-model vs tiny-gpt-finetuned"]', { timeout: 60_000 });
  const view = await findWebviewFrame(page, '.gen-table', 60_000);
  await view.waitForSelector('.summary', { timeout: 20_000 });
  log(`compare view shown ${((Date.now() - t0) / 1000).toFixed(1)} s after accepting the dialog`);

  // What a person reads first: the summary, A and B, the facts.
  const summary = await view.textContent('.summary');
  log(`summary: ${summary}`);
  assert.match(
    summary,
    new RegExp(`^Generations part at step ${PARTS_AT + 1} \\(A " big" p=[\\d.]+, B " moon" p=[\\d.]+\\)`),
    'the summary does not say where the generations part',
  );
  const sides = await view.$$eval('.side', (n) =>
    n.map((s) => ({
      model: s.querySelector('.side-model strong')?.textContent,
      path: s.querySelector('.side-path')?.textContent,
      generated: s.querySelector('.side-generated')?.textContent?.trim(),
    })),
  );
  assert.deepEqual(
    sides.map((s) => [s.model, s.generated]),
    [
      ['demo-model', A_TEXT],
      ['tiny-gpt-finetuned', B_TEXT],
    ],
    `A and B: ${JSON.stringify(sides)}`,
  );
  assert.equal(sides[1].path, FINETUNED, 'B is not the folder typed into the dialog');
  const facts = await view.textContent('.facts');
  const shared = Number(/^(\d+) shared positions/.exec(facts)?.[1]);
  assert.ok(shared > 0, `the header's facts: ${facts}`);

  // The generations step by step: the "parts here" marker on step 5, A " big" and B " moon" there.
  assert.equal((await view.textContent('.gen-status')).trim(), `The generations part at step ${PARTS_AT + 1}.`);
  const marked = await view.$$eval('.gen-table th.parted', (n) => n.map((c) => ({ step: c.dataset.step, text: c.textContent })));
  assert.deepEqual(
    marked,
    [{ step: String(PARTS_AT), text: `${PARTS_AT + 1}parts here` }],
    `the marked step header: ${JSON.stringify(marked)}`,
  );
  assert.ok(await view.isVisible('.gen-table th.parted .parts-here'), 'the "parts here" marker is not visible');
  const at = (row) => view.$eval(`.gen-table .${row} td.parted .gtext`, (t) => t.textContent);
  assert.equal(await at('row-a'), '·big', 'A at the parting step');
  assert.equal(await at('row-b'), '·moon', 'B at the parting step');
  assert.ok(
    await view.$eval('.gen-table .row-b td.parted', (c) => c.classList.contains('differs')),
    "B's token at step 5 is not marked as differing",
  );
  const row = (r) => view.$$eval(`.gen-table .${r} .gtext`, (ts) => ts.map((t) => t.textContent));
  const [rowA, rowB] = [await row('row-a'), await row('row-b')];
  assert.deepEqual(rowA.slice(0, PARTS_AT), rowB.slice(0, PARTS_AT), 'A and B differ before the parting step');
  log(`A: ${rowA.join(' ')} | B: ${rowB.join(' ')}`);

  // The divergence heatmap: painted, one cell per layer × head, the cells not all alike.
  const map = await heatmapPixels(view);
  assert.equal(map.cells.length, LAYERS * HEADS, `${map.cells.length} heatmap cells`);
  assert.ok(map.differing > 0, 'the heatmap canvas is blank');
  assert.ok(new Set(map.cells.map((c) => c.join())).size >= 4, `the heatmap cells look alike: ${JSON.stringify(map.cells)}`);
  assert.ok(
    map.cells.every((c) => c.join() !== map.background.join()),
    'a heatmap cell has the background colour (every cell diverges a little)',
  );
  // The charts under it: drawn.
  for (const chart of ['.prob-chart canvas', '.lens-delta canvas']) {
    const ok = await poll(
      () => view.$eval(chart, inkOf),
      (n) => n > 0,
      15_000,
    );
    assert.ok(ok > 0, `${chart} is blank`);
  }

  // Hover: the summary names the head that diverges most ("head 1.3 most (0.173)"); hovering that cell reads
  // the same number out.
  const most = /head (\d+)\.(\d+) most \(([\d.]+)\)/.exec(summary);
  assert.ok(most, `the summary names no head: ${summary}`);
  const [, mostLayer, mostHead, mostValue] = most;
  const readout0 = await hoverCell(view, 0, 0);
  assert.match(
    readout0,
    /^Layer 0 · head 0 · self-attention: mean JSD [\d.]+ bits · max row [\d.]+ bits · \d+ rows compared$/,
    'the readout over layer 0, head 0',
  );
  const readout = await hoverCell(view, Number(mostLayer), Number(mostHead));
  log(`hover readout: ${readout}`);
  assert.match(
    readout,
    new RegExp(
      `^Layer ${mostLayer} · head ${mostHead} · self-attention: mean JSD ${mostValue.replace('.', '\\.')} bits · max row [\\d.]+ bits · \\d+ rows compared$`,
    ),
    'the readout over the cell the summary names',
  );
  // Pick that cell (a click): the buttons under the map name it at once, with the mouse still over the map;
  // moved away, the readout stays on it.
  await view.click('.jsd-canvas', { position: await cellCentre(view, Number(mostLayer), Number(mostHead)) });
  await view.waitForFunction(
    (label) => document.querySelector('vscode-button.open-cell-b')?.textContent === label,
    `Show B · L${mostLayer} H${mostHead}`,
    { timeout: 10_000 },
  );
  await parkMouse(page);
  assert.equal(await view.textContent('.jsd-readout'), readout, 'the readout does not stay on the picked cell');

  // compare.png: the decoded line beside the compare view (summary, A and B, the generations, the heatmap with
  // the picked cell read out). First widen the editor until line 1's ghost text clears the minimap.
  await widenForGhostText(page, log);
  await parkMouse(page);
  await shot('compare', { docs: 'compare.png' });
  await view.$eval('.compare-charts', (c) => c.scrollIntoView({ block: 'center' }));
  await sleep(300);
  await shot('compare-charts');

  // 4. "Show B in panel": the attention panel shows B's trace at the picked layer and head, on the query that
  // predicted the parting token.
  await view.click('vscode-button.open-b');
  await page.waitForSelector('.tabs-container .tab[aria-label*="Decoder Lens: tiny-gpt-finetuned"]', { timeout: 30_000 });
  const panel = await findWebviewFrame(page, '.title-row h1:text-is("tiny-gpt-finetuned")', 60_000);
  await panel
    .waitForFunction(
      (want) => document.querySelector('.head-title')?.textContent === want,
      `Layer ${mostLayer} · head ${mostHead} · self-attention`,
      { timeout: 20_000 },
    )
    .catch(async (e) => {
      throw new Error(`the panel's head view: "${await panel.textContent('.head-title')}" (${e.message})`);
    });
  const query = await panel.$eval('.tok.query', (t) => ({ i: t.dataset.i, text: t.textContent }));
  // The panel's step scrubber is on the parting step: B chose " moon" there.
  const stepB = await panel.textContent('.scrub-label');
  assert.match(stepB, /: chose “·moon”/, "the panel is not on B's parting step");
  log(
    `panel: ${await panel.textContent('.title-row h1')}, ${await panel.textContent('.head-title')}, query ${query.i} "${query.text}", "${stepB}"`,
  );
  assert.deepEqual(
    query,
    { i: String(shared - 1), text: rowA[PARTS_AT - 1] },
    'the panel does not open on the query that predicted the parting token',
  );
  await parkMouse(page);
  await shot('panel-b');

  // 5. Back to the compare view (its tab): it comes back as it was; Shift+Enter on the picked cell shows A.
  await page.click('.tabs-container .tab[aria-label*="Compare: demo-model vs tiny-gpt-finetuned"]');
  const back = await findWebviewFrame(page, '.jsd-canvas', 30_000);
  await back.waitForFunction(
    (label) => document.querySelector('vscode-button.open-cell-b')?.textContent === label,
    `Show B · L${mostLayer} H${mostHead}`,
    { timeout: 10_000 },
  );
  assert.equal(await back.textContent('.summary'), summary, 'the compare view did not come back with the same comparison');
  await back.focus('.jsd-canvas');
  await page.keyboard.press('Shift+Enter');
  await page.waitForSelector('.tabs-container .tab[aria-label*="Decoder Lens: demo-model"]', { timeout: 30_000 });
  const panelA = await findWebviewFrame(page, '.title-row h1:text-is("demo-model")', 60_000);
  await panelA.waitForFunction(
    (want) => document.querySelector('.head-title')?.textContent === want,
    `Layer ${mostLayer} · head ${mostHead} · self-attention`,
    { timeout: 20_000 },
  );
  assert.match(await panelA.textContent('.scrub-label'), /: chose “·big”/, "the panel is not on A's parting step");
  log(`Shift+Enter on the cell: the panel shows ${await panelA.textContent('.title-row h1')}, ${await panelA.textContent('.head-title')}`);

  // 6. "Bisect Against…" the perturbed model: the same dialog, then the compare view with its bisect section.
  await runFromPalette(page, 'Decoder Lens: Bisect Against', 'Decoder Lens: Bisect Against');
  await page.waitForFunction(
    (d) => /A second variant of the model/.test(document.querySelector(`${d} .quick-input-title`)?.textContent ?? ''),
    dialog,
    { timeout: 20_000 },
  );
  // Focus may still be in the attention panel's webview: put it in the dialog's input before selecting its path.
  await page.focus(dialogInput);
  await page.$eval(dialogInput, (input) => input.select());
  await page.keyboard.type(`${PERTURBED}/`, { delay: 30 });
  await page
    .waitForFunction(
      ({ d, value }) => {
        const w = document.querySelector(d);
        const rows = [...w.querySelectorAll('.monaco-list-row')];
        return (
          w.querySelector('.quick-input-box input')?.value === value &&
          rows.some((r) => r.getAttribute('aria-label') === 'decoder_model.onnx') &&
          !rows.some((r) => r.classList.contains('focused'))
        );
      },
      { d: dialog, value: `${PERTURBED}/` },
      { timeout: 15_000, polling: 100 },
    )
    .catch(async (e) => {
      throw new Error(
        `the dialog does not list the perturbed folder with nothing picked (${e.message}): ${JSON.stringify(await dialogState(page))}`,
      );
    });
  await page.keyboard.press('Enter');
  await page.waitForSelector(dialogInput, { state: 'hidden', timeout: 15_000 });
  await page.waitForSelector('.tabs-container .tab[aria-label*="Compare: demo-model vs tiny-gpt-perturbed"]', { timeout: 60_000 });
  const bisectView = await findWebviewFrame(page, '.bisect-verdict', 120_000);
  const verdict = await bisectView.textContent('.bisect-verdict');
  log(`bisect verdict: ${verdict}`);
  assert.match(
    verdict,
    new RegExp(
      `^layer ${PLANTED}: p\\(" red"\\) 1\\.00 → 0\\.01 in B at step 2 \\(B picks ":"\\); A’s residual after layer ${PLANTED} restores it$`,
    ),
  );
  const rows = await bisectView.$$eval('.bisect-table tbody tr', (trs) =>
    trs.map((tr) => ({
      layer: tr.dataset.layer,
      first: tr.classList.contains('restores-first'),
      spliced: tr.querySelector('.spliced').textContent,
    })),
  );
  assert.deepEqual(
    rows.map((r) => [r.layer, r.first]),
    [
      ['0', false],
      [String(PLANTED), true],
    ],
    `the bisect table: ${JSON.stringify(rows)}`,
  );
  const chartInk = await poll(
    () => bisectView.$eval('.bisect-chart canvas', inkOf),
    (n) => n > 0,
    15_000,
  );
  assert.ok(chartInk > 0, 'the bisect chart is blank');
  // The notification's progress is gone before the screenshot (it would differ run to run).
  await page
    .waitForSelector('.notification-toast-container :text("bisecting layers")', { state: 'detached', timeout: 30_000 })
    .catch(() => {});
  await parkMouse(page);
  await sleep(300);
  await shot('bisect', { docs: 'bisect.png' });
}

/**
 * Drags the sash between the editor and the compare view so line 1's ghost text ("⟶ the red fox…", an ::after
 * decoration) ends before the minimap, as decodeSelection.e2e.mjs does for panel.png.
 */
async function widenForGhostText(page, log) {
  const end = await editorTextRect(page, LINE, '=');
  const ghost = await page.evaluate(
    ({ scope, lineStart }) => {
      const norm = (t) => t.replace(/\u00a0/g, ' ');
      const line = [...document.querySelectorAll(`${scope} .view-lines .view-line`)].find((l) =>
        norm(l.textContent ?? '').startsWith(lineStart),
      );
      const content = [...(line?.querySelectorAll('span') ?? [])]
        .map((s) => getComputedStyle(s, '::after').content)
        .find((c) => c && c !== 'none' && c !== 'normal');
      return content?.replace(/^"|"$/g, '');
    },
    { scope: editor, lineStart: LINE },
  );
  const minimap = await page.$eval(`${editor} .minimap`, (m) => m.getBoundingClientRect().x).catch(() => undefined);
  if (!end || !ghost || minimap === undefined) return log(`NOTE: could not measure line 1's ghost text; compare.png may cut it`);
  const ghostEnd = end.x + end.width + (ghost.length + 2) * end.width;
  if (ghostEnd + 12 <= minimap) return undefined;
  await widenEditorGroup(page, '.tab[aria-label*="sample.txt"]', Math.ceil(ghostEnd + 12 - minimap)).then(
    (width) => log(`widened the editor group to ${Math.round(width)} px so the ghost text shows whole`),
    (e) => log(`NOTE: could not widen the editor group (${e.message}); compare.png may cut the ghost text`),
  );
}

/** The quick input's title, value, list rows (label, picked or not) and buttons. */
function dialogState(page) {
  return page.evaluate((d) => {
    const w = document.querySelector(d);
    return {
      visible: !!w && w.style.display !== 'none',
      title: w?.querySelector('.quick-input-title')?.textContent,
      value: w?.querySelector('.quick-input-box input')?.value,
      message: w?.querySelector('.quick-input-message')?.textContent,
      rows: [...(w?.querySelectorAll('.monaco-list-row') ?? [])].map((r) => ({
        label: r.getAttribute('aria-label'),
        focused: r.classList.contains('focused'),
      })),
      buttons: [...(w?.querySelectorAll('.monaco-button') ?? [])].map((b) => b.textContent.trim()).filter(Boolean),
    };
  }, dialog);
}

/** The centre of heatmap cell (layer index, head), in the canvas's CSS pixels, from the layout it publishes. */
async function cellCentre(view, l, h) {
  const g = await view.$eval('.jsd-canvas', (c) => JSON.parse(c.dataset.layout));
  return { x: g.left + (h + 0.5) * g.cell, y: g.top + (l + 0.5) * g.cell };
}

/** Moves the mouse over a heatmap cell; returns the readout once it describes that cell. */
async function hoverCell(view, l, h) {
  await view.hover('.jsd-canvas', { position: await cellCentre(view, l, h) });
  await view.waitForFunction(
    ({ l, h }) => {
      const r = document.querySelector('.jsd-readout');
      return r?.dataset.layer === String(l) && r?.dataset.head === String(h);
    },
    { l, h },
    { timeout: 10_000 },
  );
  return view.textContent('.jsd-readout');
}

/** The heatmap's cell centre colours, its background (a corner) and how many pixels differ from it. */
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
    return { cells, background: at(2, 2), differing };
  });
}

/** How many pixels of a canvas differ from its top-left one (0: blank). */
function inkOf(c) {
  if (!c.width || !c.height) return 0;
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4)
    if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2] || data[i + 3] !== data[3]) n++;
  return n;
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
