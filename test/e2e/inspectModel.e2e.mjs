// A person opens the demo text, selects a line, runs "Decoder Lens: Inspect Model Outputs" from the palette
// and reads the output names in the panel that opens.
import assert from 'node:assert/strict';
import { findWebviewFrame, focusWorkbench, openFile, runFromPalette } from '../harness/workbench.mjs';

export const name = 'palette: Inspect Model Outputs shows the demo model outputs (logits) in the panel';

export async function run({ page, shot, log }) {
  await focusWorkbench(page);
  await openFile(page, 'sample.txt');
  await shot('sample-open');

  // Select the first line: click into the text, Ctrl+Home, Shift+End.
  await page.click('.editor-instance .monaco-editor .view-lines');
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Shift+End');
  const selection = await page.waitForSelector('.monaco-editor .selected-text', { timeout: 10_000 });
  assert.ok(selection, 'no text selected');
  await shot('line-selected');

  await runFromPalette(page, 'Decoder Lens: Inspect Model Outputs', 'Decoder Lens: Inspect Model Outputs', {
    beforeAccept: () => shot('palette'),
  });

  // The panel fills in either the output names or an error message.
  const frame = await findWebviewFrame(page, '.output-name, .error', 60_000);
  const error = await frame.$('.error');
  if (error) {
    await shot('panel-error');
    assert.fail(`the panel shows an error: ${await error.textContent()}`);
  }
  const names = await frame.$$eval('.output-name', (items) => items.map((i) => i.textContent?.trim()));
  log(`panel lists ${names.length} outputs: ${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''}`);
  await shot('panel');
  assert.ok(names.includes('logits'), `logits not among the outputs: ${names.join(', ')}`);
  const tab = await page.$('.tabs-container .tab[aria-label*="Decoder Lens"]');
  assert.ok(tab, 'no editor tab titled "Decoder Lens"');
}
