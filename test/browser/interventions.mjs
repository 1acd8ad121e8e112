#!/usr/bin/env node
/* global window, document, sessionStorage, structuredClone -- page.evaluate callbacks run in the browser; structuredClone is also Node’s */
// The interventions view in headless Chromium: its bundle in its real HTML (CSP and all), a stub host serving
// results the real core made (the CLI's rank-heads, occlude and patch on the fixture models).
// Usage: node test/browser/interventions.mjs   (prints "interventions-browser: N passed, N failed")
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../harness/browser.mjs';
import { checks } from './checks.mjs';
import { redChannelColours } from './probe.mjs';
import { assertCleanPage, assertStrictViewHtml } from './viewPage.mjs';
import { buildAssets, cliJson, nodeHelpers, openView, shotsDir, startServer, stubScript, THEMES } from './interventionsPage.mjs';

const HOSTILE = '</script><img src=x onerror=alert(1)>';
const CLEAN = 'copy: the red fox saw a big moon =';
const CORRUPT = 'copy: a red fox saw a big moon =';
const STATE_KEY = 'decoder-lens-interventions-state';
const { check, skip, finish } = checks('interventions-browser');

mkdirSync(shotsDir, { recursive: true });
await buildAssets();
const h = await nodeHelpers();
const stub = await stubScript();

// Results as the host sends them (src/host/compare/rankHeads.ts, editor/whyThisToken.ts, interventions/patchActivations.ts).
const rankingOf = (json, id, model) =>
  json && { kind: 'ranking', id, model, step: json.step, chosen: json.chosen, prob: json.prob, heads: json.heads };
const occlusionOf = (json, id, model) => json && { kind: 'occlusion', id, model, ...json };
const gptRank = rankingOf(cliJson('rank-heads', 'tiny-gpt', ['--text', CLEAN]), 'r-gpt', '/models/tiny-gpt');
const t5Rank = rankingOf(cliJson('rank-heads', 'tiny-t5', ['--text', 'the red fox saw a big moon']), 'r-t5', '/models/tiny-t5');
const occlusion = occlusionOf(cliJson('occlude', 'tiny-gpt', ['--text', CLEAN]), 'o-gpt', '/models/tiny-gpt');
const patchJson = cliJson('patch', 'tiny-gpt', ['--clean-text', CLEAN, '--corrupt-text', CORRUPT]);
const corruptTokens = cliJson('occlude', 'tiny-gpt', ['--text', CORRUPT])?.tokens.map((t) => t.text);
const patching = patchJson && {
  kind: 'patching',
  id: 'p-gpt',
  model: '/models/tiny-gpt',
  target: patchJson.target,
  cleanProb: patchJson.cleanProb,
  corruptProb: patchJson.corruptProb,
  cleanTokens: occlusion.tokens.map((t) => t.text),
  corruptTokens,
  layers: patchJson.layers,
  probs: patchJson.probs,
  recovered: patchJson.recovered,
};

const server = await startServer(h);
const { context, close } = await launchBrowser({ viewport: { width: 1000, height: 1400 } });
const shot = (page, name) => page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
const rendered = (page, kind) =>
  page.waitForFunction((k) => window.__dl.rendered.find((r) => r.kind === k), kind, { timeout: 20_000 }).then((x) => x.jsonValue());
const state = (page) => page.evaluate((key) => JSON.parse(sessionStorage.getItem(key)), STATE_KEY);

/** Centre pixels of every cell of a heatmap (CSS px from its published layout), and the background. */
function cellPixels(page, selector) {
  return page.$eval(selector, (c) => {
    const g = JSON.parse(c.dataset.layout);
    const dpr = c.width / c.getBoundingClientRect().width;
    const ctx = c.getContext('2d');
    const at = (x, y) => Array.from(ctx.getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data.subarray(0, 3));
    const cells = [];
    for (let r = 0; r < g.rows; r++)
      for (let k = 0; k < g.cols; k++) cells.push(at(g.left + (k + 0.5) * g.cell, g.top + (r + 0.5) * g.cell));
    return { cells, background: at(1, 1), layout: g };
  });
}

async function hoverCell(page, selector, r, c) {
  const box = await page.$eval(selector, (el) => {
    el.scrollIntoView();
    return { ...el.getBoundingClientRect().toJSON(), layout: JSON.parse(el.dataset.layout) };
  });
  const g = box.layout;
  await page.mouse.move(box.x + g.left + (c + 0.5) * g.cell, box.y + g.top + (r + 0.5) * g.cell);
}

/** How the view writes a signed difference and a probability (webview/interventions/model.ts). */
const signed = (d) => (d > 0 ? `+${d.toFixed(4)}` : d < 0 ? `−${(-d).toFixed(4)}` : '0.0000');

try {
  await check('the page has a strict CSP with a nonce, one script (interventions.js), and links the stylesheets', async () => {
    assertStrictViewHtml(h.interventionsHtml, 'interventions.js', ['codicon.css', 'webview.css', 'panel.css', 'interventions.css']);
  });

  await check('before any result the view says what to do', async () => {
    const { page, problems } = await openView(context, server.origin, stub, {});
    await page.waitForSelector('.empty-state');
    assert.match(await page.textContent('.empty-state'), /Rank Heads/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  if (!gptRank || !occlusion || !patching) skip('tiny-gpt results', 'a fixture model is missing (npm run fixtures)');
  else {
    const { page, problems, dialogs } = await openView(context, server.origin, stub, {
      open: { ranking: gptRank, occlusion, patching, latest: 'ranking' },
    });

    await check('head ranking: the heatmap is painted from the drops (the largest drop far from the zero colour)', async () => {
      const r = await rendered(page, 'ranking');
      assert.equal(r.id, 'r-gpt');
      assert.deepEqual(r.kinds, ['self'], 'a decoder-only model: one kind, no tabs');
      assert.equal(r.cells, 2 * 4, 'layers × heads');
      assert.equal(await page.$$eval('.ranking-section vscode-tab-header', (n) => n.length), 0);
      const { cells, background, layout } = await cellPixels(page, '.ranking-map canvas');
      assert.deepEqual([layout.rows, layout.cols], [2, 4]);
      const max = Math.max(...gptRank.heads.map((x) => Math.abs(x.drop)));
      const dist = (c) => Math.abs(c[0] - background[0]) + Math.abs(c[1] - background[1]) + Math.abs(c[2] - background[2]);
      for (const head of gptRank.heads) {
        const d = dist(cells[head.layer * 4 + head.head]);
        // The colour moves away from the background with |drop| (sqrt ramp): 0 stays background, the largest is far.
        if (Math.abs(head.drop) < max / 1000)
          assert.ok(d <= 6, `L${head.layer}.H${head.head} (drop ${head.drop}) should look like 0: ${d}`);
        if (Math.abs(head.drop) === max) assert.ok(d > 60, `the largest drop should stand out: ${d}`);
      }
      assert.equal(Number(await page.$eval('.ranking-map canvas', (c) => c.dataset.max)), max);
    });

    await check('hovering a ranking cell reads out that head’s p and drop, the value being the data’s', async () => {
      const best = [...gptRank.heads].sort((a, b) => b.drop - a.drop)[0];
      await hoverCell(page, '.ranking-map canvas', best.layer, best.head);
      await page.waitForFunction((hd) => document.querySelector('.ranking-map .grid-readout').dataset.col === String(hd), best.head);
      const readout = await page.$eval('.ranking-map .grid-readout', (n) => ({ text: n.textContent, ...n.dataset }));
      assert.equal(Number(readout.value), best.drop);
      assert.equal(
        readout.text,
        `L${best.layer}.H${best.head}: p ${best.prob.toFixed(4)} with the head zeroed · drop ${signed(best.drop)}`,
      );
    });

    await check('keyboard: arrows move the picked ranking cell (saved with setState) and its readout', async () => {
      await page.mouse.move(1, 1);
      await page.focus('.ranking-map canvas');
      for (const key of ['ArrowUp', 'ArrowLeft', 'ArrowLeft', 'ArrowDown', 'ArrowRight', 'ArrowRight']) await page.keyboard.press(key);
      assert.deepEqual((await state(page)).rankCell, { r: 1, c: 2 });
      const head = gptRank.heads.find((x) => x.layer === 1 && x.head === 2);
      const readout = await page.$eval('.ranking-map .grid-readout', (n) => ({ text: n.textContent, ...n.dataset }));
      assert.equal(Number(readout.value), head.drop);
      assert.match(readout.text, /^L1\.H2: p /);
    });

    await check('the largest drops as bars, sorted largest first, each bar the head’s drop', async () => {
      const r = await rendered(page, 'ranking');
      const drawn = JSON.parse(await page.$eval('.ranking-bars canvas', (c) => c.dataset.bars));
      assert.deepEqual(drawn, r.bars, 'the chart draws what the view reported');
      assert.equal(drawn.length, gptRank.heads.length, 'all 8 heads (fewer than the 16 shown at most)');
      for (let i = 1; i < drawn.length; i++) assert.ok(drawn[i - 1].value >= drawn[i].value, `bar ${i} is larger than bar ${i - 1}`);
      const byName = new Map(gptRank.heads.map((x) => [`L${x.layer}.H${x.head}`, x.drop]));
      for (const b of drawn) assert.equal(b.value, byName.get(b.label), b.label);
      assert.equal(drawn[0].label, 'L0.H3', 'the fixture’s most helpful head (decoder-lens rank-heads lists it first)');
      assert.ok((await redChannelColours(page, '.ranking-bars canvas')) > 3, 'the bar chart is drawn');
      assert.match(await page.textContent('.ranking-section .section-facts'), new RegExp(`^Step 1: “·the”, p ${gptRank.prob.toFixed(4)}`));
    });

    await check('occlusion: one bar per input token in input order, Δp each; the chosen token and step named', async () => {
      const r = await rendered(page, 'occlusion');
      assert.deepEqual(
        r.bars.map((b) => b.value),
        occlusion.tokens.map((t) => t.delta),
      );
      assert.deepEqual(
        r.bars.map((b) => b.label),
        occlusion.tokens.map((t) => `${t.index}:${t.text.replace(/ /g, '·')}`),
      );
      assert.deepEqual(JSON.parse(await page.$eval('.occlusion-bars canvas', (c) => c.dataset.bars)), r.bars);
      assert.ok((await redChannelColours(page, '.occlusion-bars canvas')) > 3, 'the bar chart is drawn');
      assert.equal(
        await page.textContent('.occlusion-section .section-facts'),
        `Step ${occlusion.step + 1}: “${occlusion.chosen.text.replace(/ /g, '·')}”, p ${occlusion.prob.toFixed(4)} with nothing hidden.`,
      );
    });

    await check('patching: a layer × position heatmap; a cell’s readout is the recovered fraction of the data', async () => {
      const r = await rendered(page, 'patching');
      const T = patching.cleanTokens.length;
      assert.equal(r.cells, patching.layers.length * T);
      const { cells, background, layout } = await cellPixels(page, '.patching-map canvas');
      assert.deepEqual([layout.rows, layout.cols], [patching.layers.length, T]);
      assert.ok(
        cells.some((c) => c.join() !== background.join()),
        'painted',
      );
      // The last layer at the last position carries the clean run's answer: all of it comes back.
      const l = patching.layers.length - 1;
      assert.ok(patching.recovered[l][T - 1] > 0.99, 'the fixture recovers at the last position');
      await hoverCell(page, '.patching-map canvas', l, T - 1);
      await page.waitForFunction((c) => document.querySelector('.patching-map .grid-readout').dataset.col === String(c), T - 1);
      const readout = await page.$eval('.patching-map .grid-readout', (n) => ({ text: n.textContent, ...n.dataset }));
      assert.equal(Number(readout.value), patching.recovered[l][T - 1]);
      assert.match(readout.text, new RegExp(`^Layer ${patching.layers[l]}, position ${T - 1} \\(clean “·=”, corrupted “·=”\\): p `));
      assert.ok(readout.text.endsWith(`${(patching.recovered[l][T - 1] * 100).toFixed(1)}% recovered`), readout.text);
      // The changed word is named (corrupted ← clean).
      assert.match(await page.textContent('.patch-changed'), /2: “·a” ← “·the”/);
      await hoverCell(page, '.patching-map canvas', 0, 2);
      await page.waitForFunction(() => document.querySelector('.patching-map .grid-readout').dataset.col === '2');
      assert.equal(Number(await page.$eval('.patching-map .grid-readout', (n) => n.dataset.value)), patching.recovered[0][2]);
      await page.mouse.move(1, 1);
      await page.$eval('.patching-section', (n) => n.scrollIntoView());
      await shot(page, 'interventions-gpt-dark');
    });

    await check('Open as text asks the host for that result’s report', async () => {
      await page.click('vscode-button.open-text-ranking');
      await page.click('vscode-button.open-text-patching');
      await page.waitForFunction(() => window.__dl.openText.length === 2);
      assert.deepEqual(await page.evaluate(() => window.__dl.openText), ['r-gpt', 'p-gpt']);
    });

    await check('a new result while the view is live goes first, replacing the one of its kind', async () => {
      const newer = { ...structuredClone(occlusion), id: 'o-newer' };
      await page.evaluate((r) => window.__dlHost.notify('show', r), newer);
      await page.waitForFunction(() => window.__dl.rendered.some((r) => r.id === 'o-newer'));
      const order = await page.$$eval('.interv-section', (n) => n.map((s) => s.dataset.id));
      assert.deepEqual(order, ['o-newer', 'r-gpt', 'p-gpt']);
      assert.equal((await state(page)).open.occlusion.id, 'o-newer');
    });

    await check('the view comes back as it was after a reload, even when the host has nothing to give', async () => {
      await page.evaluate(() => sessionStorage.setItem('decoder-lens-interventions-host-empty', '1'));
      await page.reload();
      await page.waitForSelector('.ranking-section');
      assert.deepEqual(await page.$$eval('.interv-section', (n) => n.map((s) => s.dataset.id)), ['o-newer', 'r-gpt', 'p-gpt']);
      assert.match(await page.textContent('.ranking-map .grid-readout'), /^L1\.H2: p /, 'the picked cell is kept');
      const { cells, background } = await cellPixels(page, '.ranking-map canvas');
      assert.ok(
        cells.some((c) => c.join() !== background.join()),
        'the heatmap is painted from the saved state',
      );
      assert.ok((await redChannelColours(page, '.occlusion-bars canvas')) > 3, 'the occlusion chart is drawn from the saved state');
      assert.ok(
        await page.evaluate(() => window.__dl.posted.some((p) => p.method === 'open' && p.kind === 'response')),
        'the view asked the host',
      );
      await page.evaluate(() => sessionStorage.removeItem('decoder-lens-interventions-host-empty'));
    });

    await check('the colours follow a theme change (heatmaps, charts)', async () => {
      const dark = await cellPixels(page, '.ranking-map canvas');
      const darkInk = await page.$eval('.ranking-bars canvas', (c) =>
        c
          .getContext('2d')
          .getImageData(0, 0, c.width, c.height)
          .data.reduce((s, v, i) => (i % 4 === 0 ? s + v : s), 0),
      );
      await page.evaluate((t) => window.__dlApplyTheme(t), THEMES.light);
      await page.waitForFunction(
        (bg) => document.querySelector('.ranking-map canvas').getContext('2d').getImageData(1, 1, 1, 1).data[0] !== bg,
        dark.background[0],
      );
      const light = await cellPixels(page, '.ranking-map canvas');
      assert.ok(light.background[0] > 200, `light background expected: ${light.background}`);
      assert.notDeepEqual(light.cells, dark.cells);
      const lightInk = await page.$eval('.ranking-bars canvas', (c) =>
        c
          .getContext('2d')
          .getImageData(0, 0, c.width, c.height)
          .data.reduce((s, v, i) => (i % 4 === 0 ? s + v : s), 0),
      );
      assert.notEqual(lightInk, darkInk, 'the bars were redrawn in the light theme’s colours');
      await shot(page, 'interventions-gpt-light');
      await page.evaluate((t) => window.__dlApplyTheme(t), THEMES.dark);
    });

    await check('no CSP violation, script error or dialog on the page', () => assertCleanPage(page, problems, dialogs));
    await page.close();

    await check('hostile token text (chosen token, input tokens, patched tokens, model path, notes) renders as text only', async () => {
      const o = structuredClone(occlusion);
      o.chosen.text = HOSTILE;
      o.tokens[1].text = HOSTILE;
      o.notes = [HOSTILE];
      o.model = `/models/${HOSTILE}`;
      const p = structuredClone(patching);
      p.corruptTokens[2] = HOSTILE;
      p.target.text = HOSTILE;
      const { page, problems, dialogs } = await openView(context, server.origin, stub, {
        open: { occlusion: o, patching: p, latest: 'occlusion' },
      });
      await rendered(page, 'patching');
      assert.equal(
        await page.textContent('.occlusion-section .section-facts'),
        `Step 1: “${HOSTILE.replace(/ /g, '·')}”, p ${o.prob.toFixed(4)} with nothing hidden.`,
      );
      assert.equal(await page.textContent('.occlusion-section .report-note'), HOSTILE);
      assert.match(await page.textContent('.patch-changed'), new RegExp(`2: “${HOSTILE.replace(/ /g, '·').replace(/[()]/g, '\\$&')}” ←`));
      const bars = (await page.evaluate(() => window.__dl.rendered.find((r) => r.kind === 'occlusion'))).bars;
      assert.equal(bars[1].label, `1:${HOSTILE.replace(/ /g, '·')}`, 'the bar is labelled with the text (drawn on canvas)');
      await hoverCell(page, '.patching-map canvas', 0, 2);
      await page.waitForFunction(() => document.querySelector('.patching-map .grid-readout').dataset.col === '2');
      assert.ok((await page.textContent('.patching-map .grid-readout')).includes(HOSTILE.replace(/ /g, '·')));
      assert.equal(await page.$$eval('img', (n) => n.length), 0, 'an <img> was created');
      assert.equal(await page.evaluate(() => document.querySelectorAll('[onerror]').length), 0);
      assert.deepEqual(dialogs, []);
      assert.deepEqual(await page.evaluate(() => window.__dl.errors), []);
      assert.deepEqual(await page.evaluate(() => window.__dl.violations), []);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  if (!t5Rank) skip('tiny-t5 ranking', 'a fixture model is missing (npm run fixtures)');
  else {
    await check('encoder-decoder ranking: one heatmap per kind (self, cross) behind tabs; a tab switch redraws that kind', async () => {
      const { page, problems } = await openView(context, server.origin, stub, { open: { ranking: t5Rank, latest: 'ranking' } });
      const r = await rendered(page, 'ranking');
      assert.deepEqual(r.kinds, ['self', 'cross'], 'the decoder’s heads; encoder heads are not ranked');
      assert.deepEqual(await page.$$eval('vscode-tab-header', (n) => n.map((t) => t.dataset.kind)), ['self', 'cross']);
      assert.equal(await page.$eval('.ranking-map canvas', (c) => c.dataset.kind), 'self');
      await page.click('vscode-tab-header[data-kind="cross"]');
      await page.waitForFunction(() => document.querySelector('.ranking-map canvas').dataset.kind === 'cross');
      assert.equal((await state(page)).rankKind, 'cross');
      const best = t5Rank.heads.filter((x) => x.kind === 'cross').sort((a, b) => b.drop - a.drop)[0];
      await hoverCell(page, '.ranking-map canvas', best.layer, best.head);
      await page.waitForFunction(
        (b) => document.querySelector('.ranking-map .grid-readout').textContent.startsWith(`cross L${b.layer}.H${b.head}:`),
        best,
      );
      assert.equal(Number(await page.$eval('.ranking-map .grid-readout', (n) => n.dataset.value)), best.drop);
      assert.ok(r.bars[0].label.startsWith('cross '), `the fixture’s most helpful head is a cross-attention head: ${r.bars[0].label}`);
      await shot(page, 'interventions-t5-cross');
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
} finally {
  await close();
  await server.close();
}

finish();
