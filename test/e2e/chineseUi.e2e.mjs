// The Chinese UI as a Chinese-speaking engineer sees it: VS Code's display language is zh-cn (the harness gives
// this test its own code-server, see writeLanguagePack in test/harness/codeServer.mjs). The palette finds the
// command by its Chinese title, the decode opens the attention panel with Chinese labels, the hover speaks
// Chinese, and the side bar's view is called 掩码. VS Code's own words stay English here: no Microsoft language pack offline.
/* global document -- frame callbacks run in the webview */
import assert from 'node:assert/strict';
import { findWebviewFrame, focusWorkbench, openFile, parkMouse, runFromPalette } from '../harness/workbench.mjs';

export const name = 'Chinese UI (zh-cn): the palette, the panel, the hover and the Masks view';
export const locale = 'zh-cn';
const editor = '.editor-instance .monaco-editor';

export async function run({ page, shot, log }) {
  await focusWorkbench(page);
  await openFile(page, 'sample.txt');
  await page.click(`${editor} .view-lines`);
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Shift+End');
  await page.waitForSelector(`${editor} .selected-text`, { timeout: 10_000 });

  // The palette row carries the Chinese title (VS Code applied package.nls.zh-cn.json).
  // (Screenshots only for test-results/: on a machine without a CJK font, such as this one, Chromium draws the
  // Chinese as boxes; the assertions read the text.)
  await runFromPalette(page, '解码所选文本', 'Decoder Lens: 解码所选文本', { beforeAccept: () => shot('palette-zh-cn') });
  const panel = await findWebviewFrame(page, '.head-canvas', 60_000);
  log('the attention panel opened from the Chinese command');
  // The panel's own labels, as the webview drew them from the table the host translated.
  assert.equal(await panel.$eval('.pick-layer', (e) => e.getAttribute('aria-label')), '层');
  await panel.waitForFunction(() => document.body.innerText.includes('下一个 token 的概率（top-k）'), undefined, { timeout: 20_000 });
  await shot('panel-zh-cn');

  // The hover over a decoded token (vscode.l10n.t with l10n/bundle.l10n.zh-cn.json).
  const word = page.locator(`${editor} .view-line span span`, { hasText: 'red' }).first();
  await word.hover();
  const hover = page.locator('.monaco-hover-content', { hasText: '模型给出的概率' });
  await hover.waitFor({ state: 'visible', timeout: 20_000 });
  const text = await hover.innerText();
  log(`hover: ${text.split('\n').slice(0, 3).join(' / ')}`);
  assert.match(text, /主要关注的 token（第 \d+ 层，\d+ 个头取平均）/);
  await shot('hover-zh-cn');

  // The Masks view, opened by its Chinese command, is titled 掩码 in the side bar.
  await parkMouse(page);
  await runFromPalette(page, '打开掩码检查器', 'Decoder Lens: 打开掩码检查器');
  // A container with one view shows the view's name in the side bar's title (its own pane header stays hidden).
  await page.waitForSelector('.pane-header[aria-label*="掩码"]', { state: 'attached', timeout: 20_000 });
  const title = await page.locator('.part.sidebar .composite.title').innerText();
  log(`side bar title: ${title.replace(/\s+/g, ' ')}`);
  assert.match(title, /掩码/);
  await findWebviewFrame(page, '.mtok', 60_000);
  await parkMouse(page);
  await shot('masks-zh-cn');
}
