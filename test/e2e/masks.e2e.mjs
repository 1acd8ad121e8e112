// The Masks view as a person uses it: decode a sentence with the encoder-decoder model, open the mask
// inspector, hide one source token by clicking it, rerun, and read the changed prediction in the view.
// Opens the demo/seq2seq workspace, whose settings make the encoder-decoder fixture (tiny-t5, it reverses
// the word order) the active model; its source.txt holds the sentences.
/* global document -- frame callbacks run in the webview */
import assert from 'node:assert/strict';
import { findWebviewFrame, focusWorkbench, openFile, parkMouse, runFromPalette } from '../harness/workbench.mjs';

export const name = 'Masks view: hide a source token, rerun, see the changed prediction';
/** The workspace this test opens (relative to demo/). */
export const folder = 'seq2seq';
const editor = '.editor-instance .monaco-editor';

export async function run({ page, shot, log }) {
  await focusWorkbench(page);
  await openFile(page, 'source.txt');
  await page.click(`${editor} .view-lines`);
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Shift+End');
  await runFromPalette(page, 'Decoder Lens: Decode Selection');
  await findWebviewFrame(page, '.head-canvas', 60_000);
  await runFromPalette(page, 'Decoder Lens: Open Mask Inspector');
  const view = await findWebviewFrame(page, '.mtok', 60_000);
  await view.waitForSelector('.all-clear', { timeout: 60_000 });
  assert.equal(await view.$$eval('.mtok', (n) => n.length), 8);
  await parkMouse(page);
  await shot('masks-view', { docs: 'masks-view.png' });
  const before = await view.$eval('.mtok[data-i="2"]', (b) => b.textContent);
  await view.click('.mtok[data-i="2"]');
  await view.click('vscode-button.rerun');
  await view.waitForFunction(() => /First changed token/.test(document.querySelector('.first-changed')?.textContent ?? ''), undefined, {
    timeout: 60_000,
  });
  const first = await view.$eval('.first-changed', (p) => p.textContent);
  log(`hid “${before}”: ${first}`);
  assert.match(first, /^First changed token: step \d+, “.+” → “.+”\.$/);
  await view.$eval('.compare', (c) => c.scrollIntoView({ block: 'start' }));
  await parkMouse(page);
  await shot('masks-rerun', { docs: 'masks-rerun.png' });
}
