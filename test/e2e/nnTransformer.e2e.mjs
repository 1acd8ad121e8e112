// A torch nn.Transformer export (cross attention's K/V sliced at run time from the packed in_proj_weight) as a
// person meets it: open the demo/nn-transformer workspace (its settings make test/fixtures/models/tiny-nn-transformer
// the active model), select the sentence, run "Decoder Lens: Decode Selection" from the palette, read the decoded
// text, switch the panel to the cross-attention tab and read a head there, then open the Masks view: no finding.
/* global document -- frame callbacks run in the webview */
import assert from 'node:assert/strict';
import { findWebviewFrame, focusWorkbench, openFile, parkMouse, runFromPalette, waitForStatus } from '../harness/workbench.mjs';

export const name = 'nn.Transformer: decode, read a cross-attention head, no finding in the Masks view';
/** The workspace this test opens (relative to demo/). */
export const folder = 'nn-transformer';
const editor = '.editor-instance .monaco-editor';
const SOURCE = 'the red fox saw a big moon';
// torch's greedy decode of SOURCE (test/fixtures/models/tiny-nn-transformer/reference.json: greedy_text).
const EXPECTED = 'moon big a saw fox red the';
const SOURCE_TOKENS = ['the', 'red', 'fox', 'saw', 'a', 'big', 'moon', '</s>'];

export async function run({ page, shot, log }) {
  await focusWorkbench(page);
  await openFile(page, 'source.txt');
  await page.click(`${editor} .view-lines`);
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Shift+End');
  await waitForStatus(page, new RegExp(`\\(${SOURCE.length} selected\\)`), 'the sentence is not selected');
  await runFromPalette(page, 'Decoder Lens: Decode Selection');

  // The panel: the decoded text is torch's, and there is a cross-attention tab.
  const panel = await findWebviewFrame(page, '.head-canvas[data-paint-ms]', 90_000);
  const generated = await panel.$$eval('.tok.generated', (n) => n.map((t) => t.textContent.replace(/^·/, '')).join(' '));
  log(`generated: ${generated}`);
  assert.equal(generated.replace(/\s*<\/s>$/, ''), EXPECTED, 'the panel does not show torch’s greedy decode');
  const tabs = await panel.$$eval('vscode-tab-header', (n) => n.map((t) => t.textContent.trim()));
  assert.deepEqual(tabs, ['Self-attention', 'Cross-attention', 'Encoder']);

  // Cross-attention, layer 1 · head 2 from the model grid (2 layers × 4 heads of it).
  await panel.click('vscode-tab-header:nth-of-type(2)');
  await panel.waitForFunction(() => /· cross-attention$/.test(document.querySelector('.head-title')?.textContent ?? ''), undefined, {
    timeout: 20_000,
  });
  await panel.waitForFunction(() => document.querySelectorAll('.grid .thumb').length === 8, undefined, { timeout: 20_000 });
  const cells = await panel.$$eval('.grid .thumb', (cs) => cs.map((c) => `${c.dataset.layer}.${c.dataset.head}`));
  assert.deepEqual(cells, ['0.0', '0.1', '0.2', '0.3', '1.0', '1.1', '1.2', '1.3']);
  await panel.click('.grid .thumb[data-layer="1"][data-head="2"]');
  await panel.waitForFunction(
    () => document.querySelector('.head-title')?.textContent === 'Layer 1 · head 2 · cross-attention',
    undefined,
    { timeout: 20_000 },
  );
  // The title changes at once; the head's matrix arrives from the host after it.
  await panel.waitForSelector('.head-view[data-shows="cross 1 2"]', { timeout: 20_000 });
  // The head's grid is painted over the source tokens (keys), and reads out as a probability on a source token.
  const painted = await panel.$eval('.head-canvas', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 16) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return { w: c.width, colours: colours.size };
  });
  assert.ok(painted.w > 0 && painted.colours > 5, `the cross head is painted: ${JSON.stringify(painted)}`);
  // Read the query row key by key with the arrow keys: each key a source token, the weights a distribution.
  await panel.focus('.head-canvas');
  for (let i = 0; i < SOURCE_TOKENS.length; i++) await page.keyboard.press('ArrowLeft');
  const row = [];
  let query = '';
  for (let k = 0; k < SOURCE_TOKENS.length; k++) {
    if (k) await page.keyboard.press('ArrowRight');
    const readout = (await panel.textContent('.head-view .readout')) ?? '';
    const m = /^Query (\d+) “([^”]*)” → key (\d+) “([^”]*)”: ([\d.e+-]+)(%?)/.exec(readout);
    assert.ok(m, `the readout names a query, a key and a probability: ${readout}`);
    assert.equal(Number(m[3]), k, readout);
    if (k) assert.equal(m[1], query, `the arrow keys move the key, not the query: ${readout}`);
    query = m[1];
    assert.equal(m[4].replace(/^[·▁]/, ''), SOURCE_TOKENS[k], 'the keys of a cross-attention head are the source tokens');
    row.push(Number(m[5]) / (m[6] ? 100 : 1));
  }
  log(`cross-attention layer 1 · head 2, query ${query}: ${row.map((p) => p.toFixed(3)).join(' ')}`);
  const sum = row.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 0.01, `a query's weights over the source sum to 1 (the shown values, rounded): ${sum}`);
  await parkMouse(page);
  await shot('cross-head');

  // The Masks view: the checks (probe decodes included) find nothing, with the cross grids there.
  await runFromPalette(page, 'Decoder Lens: Open Mask Inspector');
  const view = await findWebviewFrame(page, '.mtok', 60_000);
  await view.waitForSelector('.all-clear', { timeout: 90_000 });
  await view.waitForFunction(() => !document.querySelector('.checking'), undefined, { timeout: 90_000 });
  assert.equal(await view.$$eval('.finding', (n) => n.length), 0, 'a finding in the Masks view');
  assert.match(await view.textContent('.all-clear'), /No mask problem found/);
  assert.equal(await view.$eval('.kind-tab[aria-selected="true"]', (t) => t.textContent), 'Cross');
  assert.match(await view.textContent('.grid-summary'), /sees exactly the source tokens/);
  await parkMouse(page);
  await shot('masks-no-finding');
}
