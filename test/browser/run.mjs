#!/usr/bin/env node
/* global window, document, sessionStorage, Event -- page.evaluate callbacks run in the browser */
// The attention panel in headless Chromium: the built bundle in its real HTML (CSP and all), a stub host serving
// real fixture traces. Usage: node test/browser/run.mjs   (prints "browser: N passed, N failed")
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from '../harness/browser.mjs';
import { checks } from './checks.mjs';
import { assertStrictViewHtml } from './viewPage.mjs';
import { ensureBuilt, hostModules, openPanel, outDir, repoRoot, shotsDir, startServer, stubScript, THEMES } from './page.mjs';
import { canvasStats, headLayout, selection, waitForPanel } from './probe.mjs';
import { longTraceChecks } from './longTrace.mjs';

const HOSTILE = '</script><img src=x onerror=alert(1)>';
const { check, skip, finish } = checks('browser');

/** Fixture traces, made with the CLI from the fixture models (skipped, saying so, when a model is missing). */
function makeTrace(model, text, extra = []) {
  const modelDir = join(repoRoot, 'test', 'fixtures', 'models', model);
  if (!existsSync(join(modelDir, 'config.json'))) return undefined;
  const out = join(outDir, `${model}.dltrace`);
  const r = spawnSync(process.execPath, ['dist/cli.js', 'trace', '--model', modelDir, '--text', text, '--out', out, ...extra], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`decoder-lens trace ${model} failed: ${r.stderr || r.stdout}`);
  return readFileSync(out);
}

ensureBuilt();
mkdirSync(shotsDir, { recursive: true });
mkdirSync(outDir, { recursive: true });
const host = await hostModules();
const stub = await stubScript();
const gptBytes = makeTrace('tiny-gpt', 'copy: the red cat sat on the mat =', ['--max-new-tokens', '6', '--lens']);
const t5Bytes = makeTrace('tiny-t5', 'copy: the red cat sat on the mat', ['--max-new-tokens', '6']);
const server = await startServer(host);
const { context, close } = await launchBrowser({ viewport: { width: 1300, height: 1000 } });
const shot = (page, name) => page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });

try {
  await check('the page rendered by the host has a strict CSP with a nonce, and the bundle carries it', async () => {
    assertStrictViewHtml(host.panelHtml, 'panel.js', ['panel.css']);
  });

  if (!gptBytes) skip('tiny-gpt panel checks', 'test/fixtures/models/tiny-gpt is missing (npm run fixtures)');
  else {
    const gpt = gptBytes.toString('base64');
    const { page, problems, dialogs } = await openPanel(context, server.origin, stub, { trace: gpt, hostile: HOSTILE });
    const meta = await waitForPanel(page);

    await check('renders the tiny-gpt trace: every token, a layer × head grid, a non-blank head heatmap, three charts', async () => {
      const tokens = await page.$$eval('.tok', (n) => n.length);
      assert.equal(tokens, meta.inputTokens + meta.generated);
      assert.equal(await page.$$eval('canvas.thumb', (n) => n.length), meta.layers * meta.heads);
      const thumb = await canvasStats(page, 'canvas.thumb');
      assert.ok(thumb.colours > 2, `thumbnail looks blank: ${JSON.stringify(thumb)}`);
      const head = await canvasStats(page, '.head-canvas');
      assert.ok(head.width > 100 && head.colours > 10, `head heatmap looks blank: ${JSON.stringify(head)}`);
      for (const chart of ['.topk', '.across', '.entropy']) {
        const s = await canvasStats(page, `${chart} canvas`);
        assert.ok(s.colours > 2, `${chart} chart is blank: ${JSON.stringify(s)}`);
      }
      await shot(page, 'panel-gpt-dark');
    });

    await check(
      'a lens trace shows the logit lens heatmap (hover names the top-1 token), its line chart, and the hidden-state chart with the change between layers',
      async () => {
        await page.waitForSelector('.lens-section:not([hidden]) .lens-canvas');
        const heat = await canvasStats(page, '.lens-canvas');
        assert.ok(heat.width > 100 && heat.colours > 5, `lens heatmap looks blank: ${JSON.stringify(heat)}`);
        const box = await page.$eval('.lens-canvas', (c) => {
          c.scrollIntoView();
          const r = c.getBoundingClientRect();
          return { x: r.x, y: r.y, w: r.width };
        });
        await page.mouse.move(box.x + box.w - 14, box.y + 12);
        await page.waitForFunction(() => /^Layer \d+ at \d+ .*top-1/.test(document.querySelector('.lens-view .readout').textContent));
        for (const chart of ['.lens-line', '.hidden']) {
          const s = await canvasStats(page, `${chart} canvas`);
          assert.ok(s.colours > 2, `${chart} chart is blank: ${JSON.stringify(s)}`);
        }
        // The trace was made without --hidden-vectors (as the extension decodes): the change between layers is still there.
        assert.equal(await page.$eval('.hidden .chart-note', (n) => n.textContent), 'Means over positions.');
        await shot(page, 'panel-gpt-lens');
        await page.evaluate(() => window.scrollTo(0, 0));
      },
    );

    await check('a hostile token renders as text; no element or script comes from it', async () => {
      const texts = await page.$$eval('.tok', (n) => n.map((x) => x.textContent));
      assert.ok(texts.includes('</script><img·src=x·onerror=alert(1)>'), `tokens: ${texts.join(' | ')}`);
      assert.equal(await page.$$eval('img', (n) => n.length), 0, 'an <img> was created');
      assert.equal(await page.$$eval('.strip-tokens *:not(.tok):not(.conf):not(.strip-sep)', (n) => n.length), 0);
      // Hover the hostile key's column in the head view: the readout shows the text.
      const box = await page.$eval('.head-canvas', (c) => c.getBoundingClientRect().toJSON());
      const l = await headLayout(page);
      await page.mouse.move(box.x + l.left + (2 + 0.5) * l.cell, box.y + l.top + (l.queries - 0.5) * l.cell);
      assert.match(await page.$eval('.readout', (r) => r.textContent), /key 2 “<\/script><img·src=x·onerror=alert\(1\)>”/);
      assert.deepEqual(dialogs, [], 'a dialog opened: script ran');
      assert.equal(await page.evaluate(() => document.querySelectorAll('[onerror]').length), 0);
    });

    await check('clicking a token selects it as the query everywhere (strip, head view, charts) and saves it with setState', async () => {
      const before = await page.evaluate(() => window.__dl.setStates);
      await page.click('.tok[data-i="4"]');
      await page.waitForFunction(() => document.querySelector('.tok.query')?.dataset.i === '4');
      const s = await selection(page);
      assert.equal(s.query, 4);
      assert.ok((await page.evaluate(() => window.__dl.setStates)) > before, 'setState was not called');
      assert.equal(JSON.parse(await page.evaluate(() => sessionStorage.getItem('decoder-lens-test-state'))).query, 4);
      assert.match(await page.$eval('.topk .chart-note', (n) => n.textContent ?? ''), /no generated token/);
      await page.click('.tok[data-i="' + (meta.inputTokens - 1) + '"]');
      await page.waitForFunction(() => /Step 1:/.test(document.querySelector('.topk .chart-note')?.textContent ?? ''));
    });

    await check('switching layer and head: grid click, arrow keys, the head picker; the head view follows', async () => {
      await page.click(`canvas.thumb[data-layer="1"][data-head="2"]`);
      await page.waitForFunction(() => /Layer 1 · head 2/.test(document.querySelector('.head-title')?.textContent ?? ''));
      await page.focus('.grid');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowUp');
      await page.waitForFunction(() => /Layer 0 · head 1/.test(document.querySelector('.head-title')?.textContent ?? ''));
      await page.keyboard.press('ArrowUp');
      assert.equal((await selection(page)).layer, 0, 'stops at the first layer');
      assert.equal(await page.$$eval('canvas.thumb.selected', (n) => n.map((c) => `${c.dataset.layer}/${c.dataset.head}`).join()), '0/1');
      await page.focus('.strip');
      await page.keyboard.press('ArrowLeft');
      const s = await selection(page);
      assert.equal(s.query, meta.inputTokens - 2, 'arrow keys move the query');
      await page.focus('.head-canvas');
      await page.keyboard.press('ArrowDown');
      assert.equal((await selection(page)).query, meta.inputTokens - 1);
      await shot(page, 'panel-gpt-layer0-head1');
    });

    await check('head-average mode, and masked cells are drawn differently from small ones', async () => {
      await page.evaluate(() => {
        const select = document.querySelector('.pick-head');
        select.value = 'mean';
        select.dispatchEvent(new Event('change'));
      });
      await page.waitForFunction(() => /mean of heads/.test(document.querySelector('.head-title')?.textContent ?? ''));
      // A masked cell, and the smallest weight among visible cells (often exactly 0): they must look different.
      const l = await headLayout(page);
      const { layer } = await selection(page);
      const cells = await page.evaluate((layer) => {
        const m = window.__dlService.matrix({ traceId: 't-test-00000000', layer, kind: 'self', head: 'mean' });
        let masked = null;
        let small = null;
        for (let i = 0; i < m.data.length; i++) {
          if (!m.visible[i]) masked ??= i;
          else if (small === null || m.data[i] < m.data[small]) small = i;
        }
        return {
          masked: [Math.floor(masked / m.keys), masked % m.keys],
          small: [Math.floor(small / m.keys), small % m.keys],
          smallWeight: m.data[small],
        };
      }, layer);
      const at = ([q, k]) => [l.left + (k + 0.5) * l.cell, l.top + (q + 0.5) * l.cell];
      const masked = await pixelAt(page, ...at(cells.masked));
      const small = await pixelAt(page, ...at(cells.small));
      const bg = await pixelAt(page, 2, 2);
      const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      assert.ok(dist(masked, small) > 25, `masked ${masked} vs small (${cells.smallWeight}) ${small}`);
      assert.ok(dist(masked, bg) > 25, `masked ${masked} vs background ${bg}`);
      const box = await page.$eval('.head-canvas', (c) => c.getBoundingClientRect().toJSON());
      const [mx, my] = at(cells.masked);
      await page.mouse.move(box.x + mx, box.y + my);
      assert.match(await page.$eval('.readout', (r) => r.textContent), /masked/);
    });

    await check('state survives a reload (the webview is rebuilt when hidden): same query, layer, head', async () => {
      const before = await selection(page);
      await page.reload();
      await waitForPanel(page);
      const after = await page.evaluate(() => JSON.parse(sessionStorage.getItem('decoder-lens-test-state')));
      assert.deepEqual({ q: after.query, l: after.layer, h: after.head }, { q: before.query, l: before.layer, h: before.head });
      await page.waitForFunction((q) => document.querySelector('.tok.query')?.dataset.i === String(q), before.query);
      assert.match(await page.$eval('.head-title', (h) => h.textContent), /mean of heads/);
    });

    await check('a trace pushed by the host with a focus (a hover link) moves the selection there, once', async () => {
      await page.evaluate(() =>
        window.__dlHost.notify('trace', { meta: window.__dlService.data.meta, focus: { position: 2, layer: 1, head: 1 }, focusSeq: 5 }),
      );
      await page.waitForFunction(() => /Layer 1 · head 1/.test(document.querySelector('.head-title')?.textContent ?? ''));
      const s = await selection(page);
      assert.deepEqual([s.query, s.layer, s.head, s.focusSeq], [2, 1, 1, 5]);
      await page.reload();
      await waitForPanel(page);
      // The page's open() still carries no newer focus: the saved selection stays.
      assert.equal((await selection(page)).query, 2);
    });

    await check('the colours follow a theme change (body class and variables)', async () => {
      const dark = await canvasStats(page, '.head-canvas');
      await page.evaluate((t) => window.__dlApplyTheme(t), THEMES.light);
      await page.waitForFunction((d) => {
        const c = document.querySelector('.head-canvas');
        const [r] = c.getContext('2d').getImageData(1, 1, 1, 1).data;
        return r !== d;
      }, dark.corner[0]);
      const light = await canvasStats(page, '.head-canvas');
      assert.ok(light.corner[0] > 200, `light background expected: ${light.corner}`);
      await page.click('.tok[data-i="' + (meta.inputTokens - 1) + '"]');
      await page.waitForTimeout(200);
      await shot(page, 'panel-gpt-light');
      await page.evaluate((t) => window.__dlApplyTheme(t), THEMES.dark);
    });

    await check('Save PNG sends a PNG of the view to the host', async () => {
      await page.click('vscode-button.save-png');
      await page.waitForFunction(() => window.__dl.savedPng);
      const png = await page.evaluate(() => window.__dl.savedPng);
      assert.deepEqual(png.signature, [137, 80, 78, 71, 13, 10, 26, 10]);
      assert.ok(png.size > 5000, `PNG of ${png.size} bytes`);
    });

    await check('heads chosen in the grid (Ctrl+click, Space, all heads of a layer) post to the host with "Ablate and rerun"', async () => {
      const chosen = () => page.$$eval('canvas.thumb.chosen', (n) => n.map((c) => `${c.dataset.layer}/${c.dataset.head}`).join());
      assert.ok(await page.$eval('button.ablate-run', (b) => b.disabled), 'nothing chosen: the button is disabled');
      await page.click('canvas.thumb[data-layer="0"][data-head="1"]', { modifiers: ['Control'] });
      assert.equal(await chosen(), '0/1', 'Ctrl+click toggles a head');
      await page.click('canvas.thumb[data-layer="1"][data-head="0"]');
      await page.waitForFunction(() => /Layer 1 · head 0/.test(document.querySelector('.head-title')?.textContent ?? ''));
      assert.equal(await chosen(), '0/1', 'a plain click opens the head, it does not choose it');
      await page.focus('.grid');
      await page.keyboard.press('Space');
      assert.equal(await chosen(), '0/1,1/0', 'Space toggles the focused head');
      await page.keyboard.press('Space');
      assert.equal(await chosen(), '0/1', 'Space again untoggles it');
      assert.match(await page.$eval('button.ablate-layer', (b) => b.textContent ?? ''), /layer 1/);
      await page.click('button.ablate-layer');
      const layer1 = Array.from({ length: meta.heads }, (_, h) => `1/${h}`).join();
      assert.equal(await chosen(), `0/1,${layer1}`, 'all heads of the focused layer');
      await page.selectOption('select.ablate-mode', 'mean');
      await page.click('button.ablate-run');
      await page.waitForFunction(() => window.__dl.ablated);
      const posted = await page.evaluate(() => window.__dl.ablated);
      assert.equal(posted.mode, 'mean');
      assert.equal(posted.traceId, (await selection(page)).traceId);
      assert.deepEqual(posted.heads, [
        { kind: 'self', layer: 0, head: 1 },
        ...Array.from({ length: meta.heads }, (_, head) => ({ kind: 'self', layer: 1, head })),
      ]);
      await page.click('button.ablate-clear');
      assert.equal(await chosen(), '');
    });

    await check('tensors cross as typed arrays: no JSON arrays of numbers, and no CSP violations or errors', async () => {
      const rec = await page.evaluate(() => window.__dl);
      const tensors = rec.posted.filter(
        (p) => p.kind === 'response' && ['matrix', 'thumbnails', 'acrossLayers', 'entropy', 'lens', 'hidden'].includes(p.method),
      );
      assert.ok(tensors.length >= 4, JSON.stringify(rec.posted.slice(0, 8)));
      assert.ok(
        tensors.every((p) => p.typedArrays > 0),
        JSON.stringify(tensors.filter((p) => !p.typedArrays)),
      );
      assert.deepEqual(
        rec.posted.filter((p) => p.numberArrays > 0),
        [],
        'a message carried a JSON array of numbers',
      );
      assert.deepEqual(rec.violations, []);
      assert.deepEqual(rec.errors, []);
      assert.deepEqual(
        problems.filter((p) => !/Icon component|DevTools/.test(p)),
        [],
      );
    });
    await page.close();
  }

  if (!t5Bytes) skip('tiny-t5 panel checks', 'test/fixtures/models/tiny-t5 is missing (npm run fixtures)');
  else {
    await check('encoder-decoder trace: self, cross and encoder tabs; each tab loads its own grid', async () => {
      const { page, problems } = await openPanel(context, server.origin, stub, {
        trace: t5Bytes.toString('base64'),
        traceId: 't-test-00000001',
      });
      const meta = await waitForPanel(page);
      const tabs = await page.$$eval('vscode-tab-header', (n) => n.map((t) => t.textContent));
      assert.deepEqual(tabs, ['Self-attention', 'Cross-attention', 'Encoder']);
      await page.click('vscode-tab-header:nth-of-type(2)');
      await page.waitForFunction(() => /· cross/.test(document.querySelector('.head-title')?.textContent ?? ''));
      await page.waitForFunction(() => document.querySelector('canvas.thumb')?.width > 0);
      const head = await canvasStats(page, '.head-canvas');
      assert.ok(head.colours > 5, JSON.stringify(head));
      await shot(page, 'panel-t5-cross');
      await page.click('vscode-tab-header:nth-of-type(3)');
      await page.waitForFunction(() => /· encoder/.test(document.querySelector('.head-title')?.textContent ?? ''));
      await page.click('.tok[data-i="1"]');
      assert.equal((await selection(page)).encoderQuery, 1);
      await shot(page, 'panel-t5-encoder');
      // A decoder token is a query of self/cross attention: clicking it leaves the encoder tab; an input token goes back.
      await page.click(`.tok[data-i="${meta.inputTokens + 1}"]`);
      await page.waitForFunction(() => /· self/.test(document.querySelector('.head-title')?.textContent ?? ''));
      assert.deepEqual([(await selection(page)).kind, (await selection(page)).query], ['self', 1]);
      await page.click('.tok[data-i="2"]');
      await page.waitForFunction(() => /· encoder/.test(document.querySelector('.head-title')?.textContent ?? ''));
      assert.equal((await selection(page)).encoderQuery, 2);
      assert.deepEqual(
        problems.filter((p) => !/Icon component|DevTools/.test(p)),
        [],
      );
      await page.close();
    });
  }

  if (gptBytes) {
    await check('the HTML report opens from a file under its own CSP and renders the same views offline', async () => {
      const trace = host.decodeTrace(new Uint8Array(gptBytes));
      trace.input.tokens[2].text = trace.positions[2].text = HOSTILE;
      const html = host.reportHtml(host.toPanelData(trace, 'report'), host.readReportAssets(join(repoRoot, 'dist')));
      assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
      assert.equal((html.match(/<script>/g) ?? []).length, 1);
      const file = join(outDir, 'report.html');
      writeFileSync(file, html);
      const page = await context.newPage();
      const violations = [];
      const dialogs = [];
      page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
      page.on('console', (m) => m.type() === 'error' && violations.push(m.text()));
      page.on('request', (r) => !/^(file|data|blob):/.test(r.url()) && violations.push(`request ${r.url()}`));
      await page.goto(pathToFileURL(file).href);
      await waitForPanel(page);
      assert.ok((await canvasStats(page, '.head-canvas')).colours > 10);
      assert.ok((await canvasStats(page, 'canvas.thumb')).colours > 2);
      await page.click('.tok[data-i="3"]');
      await page.waitForFunction(() => document.querySelector('.tok.query')?.dataset.i === '3');
      assert.equal(await page.$$eval('img', (n) => n.length), 0);
      assert.deepEqual(dialogs, []);
      assert.deepEqual(violations, []);
      assert.equal(await page.$$eval('vscode-button.export-html', (n) => n.length), 0, 'no export button inside the report');
      await shot(page, 'report-gpt');
      await page.close();
      console.log(`      report: ${(html.length / 1024).toFixed(0)} KiB`);
    });
  }
  await longTraceChecks({ context, server, stub, check });
} finally {
  await close();
  await server.close();
}

async function pixelAt(page, x, y) {
  return page.$eval(
    '.head-canvas',
    (c, [x, y]) => {
      const dpr = c.width / c.getBoundingClientRect().width;
      return Array.from(c.getContext('2d').getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data);
    },
    [x, y],
  );
}

finish();
