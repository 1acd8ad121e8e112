// exploration
import { writeFileSync } from 'node:fs';
import { findWebviewFrame, focusWorkbench, openFile, runFromPalette } from '../harness/workbench.mjs';
import { sleep } from '../harness/util.mjs';

export const name = 'explore';

export async function run({ page, shot, log }) {
  await focusWorkbench(page);
  await openFile(page, 'sample.txt');
  await page.click('.editor-instance .monaco-editor .view-lines');
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Shift+End');
  await page.evaluate(() => {
    window.__seen = [];
    const t0 = performance.now();
    new MutationObserver(() => {
      for (const n of document.querySelectorAll('.notification-toast, .notifications-toasts .notification-list-item')) {
        const text = n.textContent;
        const last = window.__seen[window.__seen.length - 1];
        if (text && (!last || last.text !== text)) window.__seen.push({ t: Math.round(performance.now() - t0), text });
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  const t0 = Date.now();
  await runFromPalette(page, 'Decoder Lens: Decode Selection');
  const toast = await page.waitForSelector('.notification-toast', { timeout: 20_000 }).catch(() => null);
  log(`toast after ${Date.now() - t0} ms: ${toast && (await toast.textContent())}`);
  await shot('progress');
  const frame = await findWebviewFrame(page, '.head-canvas[data-paint-ms]', 60_000);
  log(`panel after ${Date.now() - t0} ms`);
  await sleep(2000);
  log(JSON.stringify(await page.evaluate(() => window.__seen)));
  await shot('panel');
  const html = await page.$eval('.editor-instance .monaco-editor .view-lines', (e) => e.outerHTML);
  const overlays = await page.$$eval('.editor-instance .monaco-editor .view-overlays > div', (ds) => ds.map((d) => d.outerHTML).slice(0, 3));
  const afters = await page.$$eval('.editor-instance .monaco-editor .view-lines span', (spans) =>
    spans.map((s) => ({ cls: s.className, after: getComputedStyle(s, '::after').content, text: s.textContent })).filter((s) => s.after && s.after !== 'none'),
  );
  const cdr = await page.$$eval('.editor-instance .monaco-editor .cdr', (ds) =>
    ds.map((d) => { const cs = getComputedStyle(d); return { cls: d.className, bg: cs.backgroundColor, br: cs.borderRightWidth, bc: cs.borderRightColor, style: d.getAttribute('style') }; }),
  );
  writeFileSync('/tmp/dl-explore.json', JSON.stringify({ html, overlays, afters, cdr, frameHtml: await frame.content() }, null, 1));
}
