#!/usr/bin/env node
/* global window, document, sessionStorage -- page.evaluate callbacks run in the browser */
// The Masks view (mask inspector) in headless Chromium, at side-bar width: its bundle in its real HTML (CSP and
// all), the host's own session as a stub host, over fixture traces decoded beforehand by onnxruntime-node.
// Usage: node test/browser/inspector.mjs   (prints "inspector-browser: N passed, N failed")
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../harness/browser.mjs';
import { checks } from './checks.mjs';
import { buildAssets, nodeHelpers, openView, prepareTraces, shotsDir, startServer, stubScript, THEMES } from './inspectorPage.mjs';

const HOSTILE = '</script><img src=x onerror=alert(1)>';
const { check, finish } = checks('inspector-browser');

mkdirSync(shotsDir, { recursive: true });
await buildAssets();
const h = await nodeHelpers();
const sessions = new h.SessionCache();
const SOURCE = 'the red fox saw a big moon';
const PROMPT = 'copy: the red fox saw a big moon =';
const t5 = await prepareTraces(h, sessions, 'tiny-t5', SOURCE, [
  [1, 1, 0, 1, 0, 1, 1, 1],
  [1, 1, 1, 1, 1, 1, 1, 1],
]);
const kvBug = await prepareTraces(h, sessions, 'tiny-gpt-kv-upper-left', PROMPT, [], 6);
const crossBug = await prepareTraces(h, sessions, 'tiny-t5-cross-reads-padding', SOURCE, [], 6);
await sessions.clear();
const stub = await stubScript();
const server = await startServer(h);
const { context, close } = await launchBrowser({ viewport: { width: 400, height: 1200 } });
const shot = (page, name) => page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
const ready = (page) =>
  page.waitForFunction(
    () => window.__dl.rendered && !document.querySelector('.checking') && document.querySelector('.mask-canvas')?.width > 0,
    undefined,
    { timeout: 20_000 },
  );
const rendered = (page) => page.evaluate(() => window.__dl.rendered);

try {
  await check('the page has a strict CSP with a nonce, one script, and links the inspector stylesheet', async () => {
    const html = h.inspectorHtml(
      { cspSource: 'https://x.vscode-cdn.net', asWebviewUri: (u) => ({ toString: () => `https://x.vscode-cdn.net${u.path}` }) },
      { path: '/ext' },
    );
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-[^']{16,}'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /dist\/webview\/inspector\.js/);
    assert.match(html, /dist\/media\/inspector\.css/);
  });

  await check('before any decode the view says what to do', async () => {
    const { page, problems } = await openView(context, server.origin, stub, {});
    await page.waitForSelector('.empty-state');
    assert.match(await page.textContent('.empty-state'), /Decode a selection/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  await check('a hostile token is text: no element, no script', async () => {
    const { page, problems, dialogs } = await openView(context, server.origin, stub, { ...t5, hostile: HOSTILE });
    await ready(page);
    const texts = await page.$$eval('.mtok', (n) => n.map((x) => x.textContent));
    assert.ok(texts.includes('</script><img·src=x·onerror=alert(1)>'), texts.join(' | '));
    assert.equal(await page.$$eval('img', (n) => n.length), 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  const { page, problems } = await openView(context, server.origin, stub, { ...t5, delayMs: 150 });
  await check('tiny-t5: the source mask, self/cross/encoder grids of every layer, and a clean bill after the test decode', async () => {
    await ready(page);
    assert.equal(await page.$$eval('.mtok', (n) => n.length), t5.tokens);
    assert.deepEqual(await page.$$eval('.kind-tab', (n) => n.map((t) => t.textContent)), ['Self', 'Cross', 'Encoder']);
    assert.equal(await page.$eval('.kind-tab[aria-selected="true"]', (t) => t.textContent), 'Cross', 'opens on cross attention');
    assert.equal(await page.$$eval('.layer-thumb', (n) => n.length), 2);
    assert.match(await page.textContent('.all-clear'), /No mask problem found/);
    assert.match(await page.textContent('.grid-summary'), /sees exactly the source tokens/);
    const layout = JSON.parse(await page.$eval('.mask-canvas', (c) => c.dataset.layout));
    assert.equal(layout.cols, t5.tokens);
    assert.ok(layout.cell >= 9, `cells large enough for labels: ${JSON.stringify(layout)}`);
    assert.ok(await page.evaluate(() => window.__dl.requests.some((k) => k.split('\u0000')[1].includes('0'))), 'the mask probe ran');
    await shot(page, 'inspector-t5-dark');
  });

  await check('click, drag and keyboard edit the mask; the edit is kept with setState', async () => {
    const box = async (i) => page.$eval(`.mtok[data-i="${i}"]`, (b) => b.getBoundingClientRect().toJSON());
    const centre = (b) => [b.x + b.width / 2, b.y + b.height / 2];
    // Drag from token 2 over 3 and 4: all three hidden.
    await page.mouse.move(...centre(await box(2)));
    await page.mouse.down();
    await page.mouse.move(...centre(await box(3)), { steps: 3 });
    await page.mouse.move(...centre(await box(4)), { steps: 3 });
    await page.mouse.up();
    const pending = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('decoder-lens-inspector-state')).pending);
    assert.deepEqual(await pending(), [1, 1, 0, 0, 0, 1, 1, 1]);
    // Click token 3 back on; keyboard: focus moves with arrows, Space toggles.
    await page.click('.mtok[data-i="3"]');
    assert.deepEqual(await pending(), [1, 1, 0, 1, 0, 1, 1, 1]);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Space');
    assert.deepEqual(await pending(), [1, 1, 0, 1, 1, 1, 1, 1]);
    await page.keyboard.press('Space');
    assert.deepEqual(await pending(), [1, 1, 0, 1, 0, 1, 1, 1]);
    assert.equal(await page.getAttribute('.mtok[data-i="4"]', 'aria-pressed'), 'true');
    assert.match(await page.textContent('.mask-status'), /2 of 8 hidden · edited/);
  });

  await check('Rerun: the two runs side by side, the first changed token, probability deltas and a JSD heatmap per kind', async () => {
    await page.click('vscode-button.rerun');
    await page.waitForFunction(() => !document.querySelector('.compare').hidden && document.querySelectorAll('.run-choice').length === 2);
    const r = await rendered(page);
    assert.match(r.firstChanged, /^First changed token: step \d+, “.+” → “.+”\.$/);
    assert.notEqual(Object.values(r.generated)[0], Object.values(r.generated)[1]);
    assert.match(await page.textContent('.run-choice:has(input:checked)'), /Rerun: 2 tokens hidden/);
    assert.equal(await page.$$eval('.jsd', (n) => n.length), 3);
    const maxCross = await page.$$eval('.jsd-canvas', (n) => n.map((c) => Number(c.dataset.max)));
    assert.ok(Math.max(...maxCross) > 0.05, `attention moved: ${maxCross}`);
    const chart = await page.$eval('.compare canvas', (c) => ({
      w: c.width,
      colours: new Set(
        Array.from(
          c
            .getContext('2d')
            .getImageData(0, 0, c.width, c.height)
            .data.filter((_, i) => i % 4 === 0),
        ),
      ).size,
    }));
    assert.ok(chart.w > 100 && chart.colours > 3, JSON.stringify(chart));
    await page.waitForFunction(
      () => document.querySelector('.mtok[data-i="2"]').classList.contains('hidden') && !document.querySelector('.mtok.edited'),
    );
    await shot(page, 'inspector-t5-rerun');
  });

  await check('switching runs and Reset; the host is told which run is shown', async () => {
    await page.click('.run-choice[data-role="original"]');
    await page.waitForFunction(() => document.querySelector('.grid-title').textContent.endsWith('Original'));
    assert.equal((await page.evaluate(() => window.__dl.activated)).length, 1);
    assert.equal(await page.$eval('.mtok[data-i="2"]', (b) => b.classList.contains('hidden')), false, 'the original shows every token');
    await page.click('vscode-button.reset');
    await page.waitForFunction(() => document.querySelector('.compare').hidden && document.querySelectorAll('.run-choice').length === 1);
  });

  await check('a rerun with the mask unchanged compares as all zeros', async () => {
    await page.click('vscode-button.rerun');
    await page.waitForFunction(() => !document.querySelector('.compare').hidden);
    assert.equal((await rendered(page)).firstChanged, 'No generated token changed.');
    assert.deepEqual(await page.$$eval('.jsd-canvas', (n) => n.map((c) => Number(c.dataset.max))), [0, 0, 0]);
    assert.ok((await page.$$eval('.jsd-summary', (n) => n.map((p) => p.textContent))).every((t) => /All zero/.test(t)));
  });

  await check('the view comes back as it was after a reload: kind, layer and the mask being edited', async () => {
    await page.click('.kind-tab[data-kind="encoder"]');
    await page.click('.layer-thumb[data-layer="1"]');
    await page.click('.mtok[data-i="5"]');
    await page.reload();
    await ready(page);
    const r = await rendered(page);
    assert.deepEqual([r.kind, r.layer], ['encoder', 1]);
    assert.equal(r.pendingMask[5], 0);
  });

  await check('the colours follow a theme change', async () => {
    const corner = () => page.$eval('.mask-canvas', (c) => Array.from(c.getContext('2d').getImageData(1, 1, 1, 1).data));
    const dark = await corner();
    await page.evaluate((t) => window.__dlApplyTheme(t), THEMES.light);
    await page.waitForFunction(
      (d) => document.querySelector('.mask-canvas').getContext('2d').getImageData(1, 1, 1, 1).data[0] !== d,
      dark[0],
    );
    assert.ok((await corner())[0] > 200);
    await shot(page, 'inspector-t5-light');
    await page.evaluate((t) => window.__dlApplyTheme(t), THEMES.dark);
  });

  await check('tensors cross as typed arrays, with no CSP violation or error', async () => {
    const rec = await page.evaluate(() => window.__dl);
    const snapshots = rec.posted.filter(
      (p) => p.method === 'snapshot' || (p.kind === 'response' && ['open', 'rerun', 'reset'].includes(p.method)),
    );
    assert.ok(snapshots.length >= 3 && snapshots.some((p) => p.typedArrays > 10), JSON.stringify(snapshots.slice(0, 3)));
    assert.deepEqual(
      rec.posted.filter((p) => p.numberArrays > 0),
      [],
    );
    assert.deepEqual(rec.violations, []);
    assert.deepEqual(rec.errors, []);
    assert.deepEqual(problems, []);
  });
  await page.close();

  for (const [name, prepared, check_, shotName] of [
    ['tiny-gpt-kv-upper-left', kvBug, /aligned to the upper left/, 'inspector-kv-upper-left'],
    ['tiny-t5-cross-reads-padding', crossBug, /reads encoder padding/, 'inspector-cross-reads-padding'],
  ]) {
    await check(`${name}: the finding is listed; picking it shows its layer with the cells highlighted`, async () => {
      const { page, problems } = await openView(context, server.origin, stub, prepared);
      await ready(page);
      assert.match(await page.textContent('.finding'), check_);
      await page.click('.finding');
      await page.waitForFunction(() => document.querySelector('.finding.picked'));
      assert.ok(await page.$eval('.layer-thumb.selected', (b) => b.classList.contains('bad')), 'the picked layer is flagged');
      assert.match(await page.textContent('.grid-summary'), /differ from what the input mask|reads \d+ cells? it should not see/);
      const focusPixels = await page.$eval('.mask-canvas', (c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === 0 && d[i + 1] === 120 && d[i + 2] === 212) n++;
        return n;
      });
      assert.ok(focusPixels > 20, `the finding's cells are outlined in the focus colour (${focusPixels} px)`);
      await shot(page, shotName);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
} finally {
  await close();
  await server.close();
}

finish();
