#!/usr/bin/env node
/* global window, document, sessionStorage, structuredClone -- page.evaluate callbacks run in the browser; structuredClone is also Node’s */
// The compare view in headless Chromium: its bundle in its real HTML (CSP and all), a stub host serving
// comparisons the real core made (the CLI on the fixture models: base vs fine-tuned, and a model against itself).
// Usage: node test/browser/compare.mjs   (prints "compare-browser: N passed, N failed")
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from '../harness/browser.mjs';
import { checks } from './checks.mjs';
import { redChannelColours } from './probe.mjs';
import { assertCleanPage, assertStrictViewHtml } from './viewPage.mjs';
import {
  bisectReport,
  buildAssets,
  compareReport,
  nodeHelpers,
  openView,
  repoRoot,
  shotsDir,
  startServer,
  stubScript,
  THEMES,
} from './comparePage.mjs';

const HOSTILE = '</script><img src=x onerror=alert(1)>';
const PROMPT = 'copy: the red fox saw a big moon =';
const { check, skip, finish } = checks('compare-browser');

/** How the view writes bits (webview/compare/model.ts formatBits). */
const bits = (v) => (v === null || Number.isNaN(v) ? '–' : v === 0 ? '0' : Number(v.toPrecision(3)).toString());
const openOf = (report, id) => ({ compareId: id, report, traces: { a: 't-test-0000000a', b: 't-test-0000000b' } });
const ready = (page) =>
  page.waitForFunction(() => window.__dl.rendered && document.querySelector('.summary'), undefined, { timeout: 20_000 });

/**
 * The bisect verdict as a person reads the task: the first restoring layer, the token whose probability moved
 * (quoted as JSON), A's and B's probabilities, the step counted from 1, what B picked instead.
 */
function verdictOf(r) {
  const d = r.divergence;
  const change =
    `p(${JSON.stringify(d.token.text)}) ${d.probA.toFixed(2)} → ${d.probB.toFixed(2)} in B at step ${d.step + 1}` +
    (d.argmaxB.id !== d.token.id ? ` (B picks ${JSON.stringify(d.argmaxB.text)})` : '');
  return `layer ${r.restoredAfter}: ${change}; A’s residual after layer ${r.restoredAfter} restores it`;
}

/** The layer × head cell with the largest mean JSD in a report's self attention. */
function worstCell(report) {
  const layers = report.attention.filter((l) => l.kind === 'self').sort((x, y) => x.layer - y.layer);
  let best = { l: 0, h: 0, layer: layers[0]?.layer, v: -1 };
  layers.forEach((x, l) => x.heads.forEach((v, h) => v > best.v && (best = { l, h, layer: x.layer, v, max: x.maxRow[h], rows: x.rows })));
  return best;
}

/** Centre pixels of every heatmap cell (CSS px from the canvas's published layout), and the background. */
function cellPixels(page) {
  return page.$eval('.jsd-canvas', (c) => {
    const g = JSON.parse(c.dataset.layout);
    const dpr = c.width / c.getBoundingClientRect().width;
    const ctx = c.getContext('2d');
    const at = (x, y) => Array.from(ctx.getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data.subarray(0, 3));
    const cells = [];
    for (let l = 0; l < g.layers; l++)
      for (let h = 0; h < g.heads; h++) cells.push(at(g.left + (h + 0.5) * g.cell, g.top + (l + 0.5) * g.cell));
    return { cells, background: at(2, 2), layout: g };
  });
}

async function hoverCell(page, l, h) {
  const box = await page.$eval('.jsd-canvas', (c) => {
    c.scrollIntoView();
    return { ...c.getBoundingClientRect().toJSON(), layout: JSON.parse(c.dataset.layout) };
  });
  const g = box.layout;
  await page.mouse.move(box.x + g.left + (h + 0.5) * g.cell, box.y + g.top + (l + 0.5) * g.cell);
}

mkdirSync(shotsDir, { recursive: true });
await buildAssets();
const h = await nodeHelpers();
const finetuned = compareReport('tiny-gpt', 'tiny-gpt-finetuned', PROMPT);
const self = compareReport('tiny-gpt', 'tiny-gpt', PROMPT);
const seq2seq = compareReport('tiny-t5', 'tiny-t5-cross-reads-padding', 'the red fox saw a big moon');
const perturbed = compareReport('tiny-gpt', 'tiny-gpt-perturbed', PROMPT);
const bisected = bisectReport('tiny-gpt', 'tiny-gpt-perturbed', PROMPT);
const fixtureDir = (m) => join(repoRoot, 'test', 'fixtures', 'models', m);
const stub = await stubScript();
const server = await startServer(h);
const { context, close } = await launchBrowser({ viewport: { width: 1100, height: 900 } });
const shot = (page, name) => page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });

try {
  await check('the page has a strict CSP with a nonce, one script (compare.js), and links the stylesheets', async () => {
    assertStrictViewHtml(h.compareHtml, 'compare.js', ['codicon.css', 'webview.css', 'panel.css', 'compare.css']);
  });

  await check('before any comparison the view says what to do', async () => {
    const { page, problems } = await openView(context, server.origin, stub, {});
    await page.waitForSelector('.empty-state');
    assert.match(await page.textContent('.empty-state'), /Compare With/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  if (!finetuned || !self) skip('tiny-gpt vs tiny-gpt-finetuned', 'a fixture model is missing (npm run fixtures)');
  else {
    assert.equal(finetuned.firstDifferingStep, 5, 'the fixture pair parts at step 5 (see test/unit/compare/cli.test.ts)');
    const { page, problems, dialogs } = await openView(context, server.origin, stub, { open: openOf(finetuned, 'c-ft') });

    await check(
      'base vs fine-tuned: the summary is the report’s, A and B with their generations, notes and the vocabulary check',
      async () => {
        await ready(page);
        assert.equal(await page.textContent('.summary'), finetuned.summary);
        const sides = await page.$$eval('.side', (n) =>
          n.map((s) => ({ path: s.querySelector('.side-path').textContent, generated: s.querySelector('.side-generated').textContent })),
        );
        assert.deepEqual(sides, [
          { path: finetuned.a.label, generated: finetuned.a.generatedText },
          { path: finetuned.b.label, generated: finetuned.b.generatedText },
        ]);
        assert.match(await page.textContent('.vocabulary-note'), /Same vocabulary \(336 tokens\)/);
        const r = await page.evaluate(() => window.__dl.rendered);
        assert.deepEqual([r.compareId, r.summary, r.firstDifferingStep, r.kinds], ['c-ft', finetuned.summary, 5, ['self']]);
        assert.equal(r.maxJsd, worstCell(finetuned).v);
      },
    );

    await check('the two generations step by step: the first differing step is marked, the steps after it faded', async () => {
      const parted = await page.$$eval('.gen-table .parted', (n) => n.map((c) => `${c.tagName}:${c.dataset.step}`));
      assert.deepEqual(parted, ['TH:5', 'TD:5', 'TD:5', 'TD:5'], 'the step header, A, B and Δ cells of step 5');
      assert.match(await page.textContent('.gen-status'), /part at step 6\./, 'people count steps from 1, as the panel does');
      const rows = await page.$$eval('.gen-table tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('.gtext')].map((t) => t.textContent)),
      );
      assert.deepEqual(
        rows[0],
        finetuned.steps.map((s) => s.a.text.replace(/ /g, '·')),
        'A’s tokens, whitespace visible',
      );
      assert.deepEqual(
        rows[1],
        finetuned.steps.map((s) => s.b.text.replace(/ /g, '·')),
      );
      const after = await page.$$eval('.gen-table th.after', (n) => n.map((c) => Number(c.dataset.step)));
      assert.deepEqual(
        after,
        finetuned.steps.filter((s) => !s.sameContext).map((s) => s.step),
      );
      assert.deepEqual(
        await page.$$eval('.gtok.differs', (n) => [...new Set(n.map((c) => Number(c.dataset.step)))]),
        finetuned.steps.filter((s) => s.a.id !== s.b.id).map((s) => s.step),
      );
    });

    await check('the heatmap is painted (not blank), its legend runs 0 to the largest JSD, the charts are drawn', async () => {
      const { cells, background } = await cellPixels(page);
      assert.equal(cells.length, 2 * 4, 'layers × heads cells');
      const distinct = new Set(cells.map((c) => c.join()));
      assert.ok(distinct.size >= 6, `cells look alike: ${[...distinct].join(' | ')}`);
      assert.ok(
        cells.every((c) => c.join() !== background.join()),
        'every cell has some divergence, so none is the zero colour',
      );
      assert.equal(Number(await page.$eval('.jsd-canvas', (c) => c.dataset.max)), worstCell(finetuned).v);
      assert.match(await page.textContent('.legend-max'), new RegExp(`^${bits(worstCell(finetuned).v).replace('.', '\\.')} bits`));
      for (const chart of ['.prob-chart', '.lens-delta']) {
        const colours = await redChannelColours(page, `${chart} canvas`);
        assert.ok(colours > 3, `${chart} looks blank`);
      }
      assert.match(await page.textContent('.prob-chart .chart-note'), /◆ step 6/);
      await shot(page, 'compare-gpt-finetuned-dark');
    });

    await check('hovering a cell reads out that cell’s JSD from the report (layer, head, mean, max row, rows)', async () => {
      const worst = worstCell(finetuned);
      await hoverCell(page, worst.l, worst.h);
      await page.waitForFunction((h) => document.querySelector('.jsd-readout').dataset.head === String(h), worst.h);
      const readout = await page.$eval('.jsd-readout', (r) => ({ text: r.textContent, ...r.dataset }));
      assert.equal(Number(readout.value), worst.v);
      assert.equal(
        readout.text,
        `Layer ${worst.layer} · head ${worst.h} · self-attention: mean JSD ${bits(worst.v)} bits · max row ${bits(worst.max)} bits · ${worst.rows} rows compared`,
      );
      // Another cell: layer 0, head 0.
      await hoverCell(page, 0, 0);
      const first = finetuned.attention.find((l) => l.kind === 'self' && l.layer === 0);
      await page.waitForFunction((v) => document.querySelector('.jsd-readout').dataset.value === String(v), first.heads[0]);
      assert.match(
        await page.textContent('.jsd-readout'),
        new RegExp(`^Layer 0 · head 0 · self-attention: mean JSD ${bits(first.heads[0]).replace('.', '\\.')} bits`),
      );
    });

    await check(
      'keyboard: arrows move the picked cell (saved with setState); Enter shows B there, Shift+Enter A; the buttons too',
      async () => {
        await page.mouse.move(1, 1);
        await page.focus('.jsd-canvas');
        await page.keyboard.press('ArrowUp');
        await page.keyboard.press('ArrowUp');
        await page.keyboard.press('ArrowLeft');
        const state = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('decoder-lens-compare-state')));
        assert.deepEqual(((s) => [s.layer, s.head])(await state()), [0, 0], 'stops at the first layer and head');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowRight');
        assert.deepEqual(((s) => [s.kind, s.layer, s.head])(await state()), ['self', 1, 2]);
        assert.match(await page.textContent('.jsd-readout'), /^Layer 1 · head 2 · self-attention/);
        await page.keyboard.press('Enter');
        await page.keyboard.press('Shift+Enter');
        await page.click('vscode-button.open-cell-a');
        await page.click('vscode-button.open-b');
        await page.waitForFunction(() => window.__dl.openTrace.length === 4);
        const asked = await page.evaluate(() =>
          window.__dl.openTrace.map(({ side, layer, head, kind, compareId }) => ({ side, layer, head, kind, compareId })),
        );
        assert.deepEqual(
          asked,
          ['b', 'a', 'a', 'b'].map((side) => ({ side, layer: 1, head: 2, kind: 'self', compareId: 'c-ft' })),
        );
        await page.click('vscode-button.open-text');
        await page.waitForFunction(() => window.__dl.openText === 1);
      },
    );

    await check('the view comes back as it was after a reload, even when the host has nothing to give', async () => {
      const before = await page.evaluate(() => sessionStorage.getItem('decoder-lens-compare-state'));
      assert.ok(JSON.parse(before).open.report.summary === finetuned.summary, 'the report is in the saved state');
      await page.evaluate(() => sessionStorage.setItem('decoder-lens-compare-host-empty', '1'));
      await page.reload();
      await ready(page);
      assert.equal(await page.textContent('.summary'), finetuned.summary);
      assert.deepEqual(await page.$$eval('.gen-table th.parted', (n) => n.map((c) => c.dataset.step)), ['5']);
      assert.match(await page.textContent('.jsd-readout'), /^Layer 1 · head 2 · self-attention/, 'the picked cell is kept');
      const { cells } = await cellPixels(page);
      assert.ok(new Set(cells.map((c) => c.join())).size >= 6, 'the heatmap is painted from the saved state');
      assert.ok(
        await page.evaluate(() => window.__dl.posted.some((p) => p.method === 'open' && p.kind === 'response')),
        'the view asked the host',
      );
      await page.evaluate(() => sessionStorage.removeItem('decoder-lens-compare-host-empty'));
    });

    await check('the colours follow a theme change (heatmap, legend, charts)', async () => {
      const dark = await cellPixels(page);
      const chartInk = () =>
        page.$eval('.prob-chart canvas', (c) =>
          c
            .getContext('2d')
            .getImageData(0, 0, c.width, c.height)
            .data.reduce((sum, v, i) => (i % 4 === 0 ? sum + v : sum), 0),
        );
      const darkInk = await chartInk();
      await page.evaluate((t) => window.__dlApplyTheme(t), THEMES.light);
      await page.waitForFunction((bg) => {
        const c = document.querySelector('.jsd-canvas');
        return c.getContext('2d').getImageData(1, 1, 1, 1).data[0] !== bg;
      }, dark.background[0]);
      const light = await cellPixels(page);
      assert.ok(light.background[0] > 200, `light background expected: ${light.background}`);
      assert.notDeepEqual(light.cells, dark.cells, 'the cells were repainted');
      assert.notEqual(await chartInk(), darkInk, 'the probability chart was redrawn in the light theme’s colours');
      await shot(page, 'compare-gpt-finetuned-light');
      await page.evaluate((t) => window.__dlApplyTheme(t), THEMES.dark);
    });

    await check('no CSP violation, script error or dialog on the page', () => assertCleanPage(page, problems, dialogs));
    await page.close();

    await check('a model against itself: "Same generation", no step marked, the zero colour in every cell', async () => {
      const { page, problems } = await openView(context, server.origin, stub, { open: openOf(self, 'c-self') });
      await ready(page);
      assert.equal(await page.textContent('.summary'), self.summary);
      assert.equal(self.firstDifferingStep, null);
      assert.match(await page.textContent('.gen-status'), /^Same generation/);
      assert.equal(await page.$$eval('.gen-table .parted', (n) => n.length), 0);
      const { cells, background } = await cellPixels(page);
      assert.equal(cells.length, 8);
      assert.deepEqual([...new Set(cells.map((c) => c.join()))], [background.join()], 'every cell has the zero colour');
      assert.equal(await page.$eval('.jsd-canvas', (c) => c.dataset.max), '0');
      assert.match(await page.textContent('.legend-max'), /no divergence anywhere/);
      assert.equal((await page.evaluate(() => window.__dl.rendered)).maxJsd, 0);
      await hoverCell(page, 1, 3);
      await page.waitForFunction(() => document.querySelector('.jsd-readout').dataset.head === '3');
      assert.match(await page.textContent('.jsd-readout'), /^Layer 1 · head 3 · self-attention: mean JSD 0 bits · max row 0 bits/);
      await shot(page, 'compare-gpt-self');
      assert.deepEqual(problems, []);
      await page.close();
    });

    await check('hostile text (token, path, generation, note) renders as text: no element, no script', async () => {
      const hostile = structuredClone(finetuned);
      hostile.steps[0].a.text = HOSTILE;
      hostile.steps[1].b.text = HOSTILE;
      hostile.b.label = `/models/${HOSTILE}`;
      hostile.a.generatedText = HOSTILE;
      hostile.notes.push(HOSTILE);
      hostile.summary = `${HOSTILE} ${hostile.summary}`;
      const { page, problems, dialogs } = await openView(context, server.origin, stub, { open: openOf(hostile, 'c-hostile') });
      await ready(page);
      assert.equal(await page.textContent('.summary'), hostile.summary);
      const cells = await page.$$eval('.gtext', (n) => n.map((x) => x.textContent));
      assert.ok(cells.includes('</script><img·src=x·onerror=alert(1)>'), cells.join(' | '));
      assert.equal(await page.$eval('.side-a .side-generated', (n) => n.textContent), HOSTILE);
      assert.equal(await page.$eval('.side-b .side-path', (n) => n.textContent), `/models/${HOSTILE}`);
      assert.ok((await page.$$eval('.report-note', (n) => n.map((x) => x.textContent))).some((t) => t.includes(HOSTILE)));
      assert.equal(await page.$$eval('img', (n) => n.length), 0, 'an <img> was created');
      assert.equal(await page.evaluate(() => document.querySelectorAll('[onerror]').length), 0);
      assert.deepEqual(dialogs, []);
      assert.deepEqual(await page.evaluate(() => window.__dl.errors), []);
      assert.deepEqual(problems, []);
      await page.close();
    });

    await check('degenerate reports say so: no attention, other vocabularies, inputs tokenized differently, no lens', async () => {
      const bare = structuredClone(finetuned);
      bare.attention = [];
      bare.lens = null;
      bare.sameInput = false;
      bare.firstDifferingStep = null;
      bare.steps = bare.steps.map((s) => ({ ...s, sameContext: false, bOfA: null, delta: null }));
      bare.vocabulary = {
        ...bare.vocabulary,
        same: false,
        moved: 3,
        examples: ['"Ġfox" is id 5 in A, 9 in B'],
        note: 'The vocabularies differ (A 336 tokens, B 336; 3 under other ids, 0 only in A, 0 only in B): tokens are compared by their text, and ids do not carry across.',
      };
      bare.notes = [
        bare.vocabulary.note,
        'The two runs did not tokenize the input the same way: only the shared leading positions are compared.',
        'One of the runs captured no attention, so attention is not compared.',
      ];
      bare.summary = 'Vocabularies differ (tokens compared by text); The inputs tokenize differently.';
      const { page, problems } = await openView(context, server.origin, stub, { open: openOf(bare, 'c-bare') });
      await ready(page);
      assert.equal(await page.textContent('.summary'), bare.summary);
      assert.match(await page.textContent('.empty-map'), /No attention was compared/);
      assert.equal(await page.$$eval('.jsd-canvas', (n) => n.filter((c) => c.isConnected && c.offsetParent).length), 0, 'no heatmap drawn');
      assert.ok(await page.$eval('.vocabulary-note', (n) => n.classList.contains('note-warning')));
      assert.match(await page.textContent('.vocabulary-note'), /"Ġfox" is id 5 in A, 9 in B/);
      assert.match(await page.textContent('.gen-status'), /tokenize differently/);
      assert.match(await page.textContent('.lens-delta .chart-note'), /No logit lens/);
      assert.match(await page.textContent('.prob-chart .chart-note'), /tokenize differently/);
      assert.equal(await page.$$eval('.gen-table thead th', (n) => n.length), bare.steps.length + 1);
      assert.deepEqual(await page.evaluate(() => window.__dl.rendered.kinds), []);
      await shot(page, 'compare-degenerate');
      assert.deepEqual(problems, []);
      await page.close();
    });

    await check('a side whose trace is gone: the view says why instead of failing silently', async () => {
      const { page, problems } = await openView(context, server.origin, stub, { open: openOf(finetuned, 'c-gone'), openTraceFails: true });
      await ready(page);
      await page.click('vscode-button.open-b');
      await page.waitForFunction(() => /no longer stored/.test(document.querySelector('.action-status').textContent));
      assert.ok(await page.$eval('.action-status', (n) => n.classList.contains('error')));
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  if (!perturbed || !bisected) skip('the layer bisector', 'a fixture model is missing (npm run fixtures)');
  else {
    // The fixture script planted the change in one layer's weights (its reference JSON says which).
    const planted = JSON.parse(readFileSync(join(fixtureDir('tiny-gpt-perturbed'), 'bisect_reference.json'), 'utf8')).planted.layer;
    const models = {
      a: { path: fixtureDir('tiny-gpt'), variant: '' },
      b: { path: fixtureDir('tiny-gpt-perturbed'), variant: '' },
      text: PROMPT,
      maxNewTokens: 16,
    };
    const open = { ...openOf(perturbed, 'c-bisect'), models };
    const { page, problems, dialogs } = await openView(context, server.origin, stub, { open, bisectReport: bisected });
    const state = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('decoder-lens-compare-state')));

    await check('two models compared: the view offers "Bisect layers"; the button asks the host and draws its report', async () => {
      await ready(page);
      assert.match(await page.textContent('.bisect-offer'), /splices A’s residual stream into B after each layer/);
      assert.deepEqual((await page.evaluate(() => window.__dl.rendered)).bisect, {
        offered: true,
        verdict: null,
        restoredAfter: null,
        layers: 0,
      });
      await page.click('vscode-button.bisect-run');
      await page.waitForSelector('.bisect-verdict', { timeout: 20_000 });
      assert.deepEqual(await page.evaluate(() => window.__dl.bisect), [{ compareId: 'c-bisect' }]);
      assert.equal(await page.textContent('.summary'), perturbed.summary, 'the rest of the comparison is still there');
    });

    await check('the verdict names the planted layer, in words built from the report (and the CLI’s verdict line)', async () => {
      assert.equal(bisected.restoredAfter, planted, `the bisector found layer ${bisected.restoredAfter}, the fixture planted ${planted}`);
      const verdict = await page.textContent('.bisect-verdict');
      assert.equal(verdict, verdictOf(bisected));
      // The CLI's line says the same, with steps from 0 and a plain apostrophe.
      const d = bisected.divergence;
      assert.equal(verdict, bisected.verdict.replace(`at step ${d.step}`, `at step ${d.step + 1}`).replaceAll("A's", 'A’s'));
      assert.match(verdict, new RegExp(`^layer ${planted}: `));
      const r = await page.evaluate(() => window.__dl.rendered.bisect);
      assert.deepEqual(r, { offered: true, verdict, restoredAfter: planted, layers: bisected.layers.length });
    });

    await check('per layer: the table’s residual error, attention JSD and lens Δp are the report’s; the chart is painted', async () => {
      const rows = await page.$$eval('.bisect-table tbody tr', (trs) =>
        trs.map((tr) => ({
          layer: Number(tr.dataset.layer),
          residual: tr.querySelector('.residual').dataset.value,
          jsd: tr.querySelector('.jsd').dataset.value,
          lens: tr.querySelector('.lens').dataset.value,
          shown: tr.querySelector('.residual').textContent,
          spliced: tr.querySelector('.spliced').textContent,
          first: tr.classList.contains('restores-first'),
        })),
      );
      const asText = (v) => (v === null ? '' : String(v));
      assert.deepEqual(
        rows.map(({ layer, residual, jsd, lens, first }) => ({ layer, residual, jsd, lens, first })),
        bisected.layers.map((l) => ({
          layer: l.layer,
          residual: asText(l.residualError),
          jsd: asText(l.attentionJsd),
          lens: asText(l.lensDelta),
          first: l.layer === planted,
        })),
      );
      assert.deepEqual(
        rows.map((r) => r.shown),
        bisected.layers.map((l) => (l.residualError === null ? '–' : l.residualError.toFixed(4))),
      );
      // Before the planted layer B's weights are A's: no residual error there; after it, the splice restores A.
      assert.equal(bisected.layers[0].residualError, 0);
      assert.ok(bisected.layers[planted].residualError > 0.01);
      assert.match(rows[planted].spliced, /matches A at every step · first layer that restores/);
      assert.match(rows[0].spliced, /still differs/);
      assert.ok((await redChannelColours(page, '.bisect-chart canvas')) > 3, 'the bisect chart looks blank');
      await page.$eval('.bisect-section', (n) => n.scrollIntoView());
      await shot(page, 'compare-bisect');
    });

    await check('the bisect report survives a reload (saved state), even when the host has nothing to give', async () => {
      assert.equal((await state()).open.bisect.restoredAfter, planted, 'the report is in the saved state');
      const before = await page.textContent('.bisect-verdict');
      await page.evaluate(() => sessionStorage.setItem('decoder-lens-compare-host-empty', '1'));
      await page.reload();
      await page.waitForSelector('.bisect-verdict', { timeout: 20_000 });
      assert.equal(await page.textContent('.bisect-verdict'), before);
      assert.equal(await page.$$eval('.bisect-table tbody tr', (n) => n.length), bisected.layers.length);
      assert.ok((await redChannelColours(page, '.bisect-chart canvas')) > 3, 'the chart is painted from the saved state');
      assert.equal((await page.evaluate(() => window.__dl.rendered.bisect)).restoredAfter, planted);
      await page.evaluate(() => sessionStorage.removeItem('decoder-lens-compare-host-empty'));
    });

    await check('bisect: no CSP violation, script error or dialog', async () => {
      const rec = await page.evaluate(() => window.__dl);
      assert.deepEqual([rec.violations, rec.errors, dialogs, problems], [[], [], [], []]);
    });
    await page.close();

    await check('a bisect that cannot run says why in the section', async () => {
      const message = 'tiny-gpt and other tokenize the text differently: the bisector compares two variants of one model.';
      const { page, problems } = await openView(context, server.origin, stub, { open, bisectFails: message });
      await ready(page);
      await page.click('vscode-button.bisect-run');
      await page.waitForFunction((m) => document.querySelector('.bisect-status')?.textContent === m, message);
      assert.ok(await page.$eval('.bisect-status', (n) => n.classList.contains('error')));
      assert.equal(await page.$$eval('.bisect-verdict', (n) => n.length), 0);
      assert.deepEqual(problems, []);
      await page.close();
    });

    await check('a bisect cancelled from the notification says so, not as an error', async () => {
      const { page, problems } = await openView(context, server.origin, stub, { open, bisectCancelled: true });
      await ready(page);
      await page.click('vscode-button.bisect-run');
      await page.waitForFunction(() => document.querySelector('.bisect-status')?.textContent === 'Bisecting was cancelled.');
      assert.equal(await page.$eval('.bisect-status', (n) => n.classList.contains('error')), false);
      assert.ok(await page.isVisible('.bisect-offer'), 'the offer stays');
      assert.deepEqual(problems, []);
      await page.close();
    });

    await check('a comparison without two models (a saved trace, an ablation) has no bisect section', async () => {
      const { page, problems } = await openView(context, server.origin, stub, { open: openOf(perturbed, 'c-nomodels') });
      await ready(page);
      assert.equal(await page.$$eval('.bisect-section', (n) => n.length), 0);
      assert.equal((await page.evaluate(() => window.__dl.rendered.bisect)).offered, false);
      assert.deepEqual(problems, []);
      await page.close();
    });

    await check('hostile token text and notes in the bisect report render as text: no element, no script', async () => {
      const hostile = structuredClone(bisected);
      hostile.divergence.token.text = HOSTILE;
      hostile.divergence.argmaxB.text = HOSTILE;
      hostile.lensUnavailable = HOSTILE;
      const { page, problems, dialogs } = await openView(context, server.origin, stub, {
        open: { ...open, compareId: 'c-bisect-hostile', bisect: hostile },
      });
      await ready(page);
      const verdict = await page.textContent('.bisect-verdict');
      assert.ok(verdict.includes(`p(${JSON.stringify(HOSTILE)})`), verdict);
      assert.match(await page.textContent('.bisect-chart .chart-note'), /<\/script><img src=x onerror=alert\(1\)>/);
      assert.equal(await page.$$eval('img', (n) => n.length), 0, 'an <img> was created');
      assert.equal(await page.evaluate(() => document.querySelectorAll('[onerror]').length), 0);
      assert.deepEqual(dialogs, []);
      assert.deepEqual(await page.evaluate(() => window.__dl.errors), []);
      assert.deepEqual(problems, []);
      await page.close();
    });

    await check('compare --bisect --html: the standalone page shows the bisect section, without the button', async () => {
      const file = join(shotsDir, 'compare-bisect-report.html');
      compareReport('tiny-gpt', 'tiny-gpt-perturbed', PROMPT, ['--bisect', '--html', file]);
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => !/^(file|data|blob):/.test(r.url()) && problems.push(`request ${r.url()}`));
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('.bisect-verdict', { timeout: 20_000 });
      assert.equal(await page.textContent('.bisect-verdict'), verdictOf(bisected));
      assert.equal(await page.$$eval('.bisect-table tbody tr', (n) => n.length), bisected.layers.length);
      assert.equal(await page.$$eval('vscode-button.bisect-run', (n) => n.length), 0);
      assert.ok((await redChannelColours(page, '.bisect-chart canvas')) > 3, 'the chart is painted');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('vscode-button.open-text')]);
      const text = readFileSync(await download.path(), 'utf8');
      assert.ok(text.includes(bisected.verdict), 'the downloaded text carries the CLI’s verdict line');
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  if (!seq2seq) skip('tiny-t5 comparison', 'a fixture model is missing (npm run fixtures)');
  else {
    await check('encoder-decoder: one heatmap per kind (self, cross, encoder) behind tabs; a tab switch redraws that kind', async () => {
      const { page, problems } = await openView(context, server.origin, stub, { open: openOf(seq2seq, 'c-t5') });
      await ready(page);
      assert.deepEqual((await page.evaluate(() => window.__dl.rendered)).kinds, ['self', 'cross', 'encoder']);
      assert.deepEqual(await page.$$eval('vscode-tab-header', (n) => n.map((t) => t.dataset.kind)), ['self', 'cross', 'encoder']);
      assert.equal(await page.$eval('.jsd-canvas', (c) => c.dataset.kind), 'self');
      await page.click('vscode-tab-header[data-kind="encoder"]');
      await page.waitForFunction(() => document.querySelector('.jsd-canvas').dataset.kind === 'encoder');
      assert.equal(JSON.parse(await page.evaluate(() => sessionStorage.getItem('decoder-lens-compare-state'))).kind, 'encoder');
      const layers = seq2seq.attention.filter((l) => l.kind === 'encoder').length;
      assert.equal((await cellPixels(page)).layout.layers, layers);
      await hoverCell(page, 0, 0);
      await page.waitForFunction(() => /encoder/.test(document.querySelector('.jsd-readout').textContent));
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
  if (!finetuned) skip('the standalone HTML report', 'a fixture model is missing (npm run fixtures)');
  else {
    await check(
      'compare --html: the comparison opens from a file under its own CSP, offline, without the VS Code-only actions',
      async () => {
        const file = join(shotsDir, 'compare-report.html');
        const report = compareReport('tiny-gpt', 'tiny-gpt-finetuned', PROMPT, ['--html', file]);
        const html = readFileSync(file, 'utf8');
        const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
        assert.match(csp, /default-src 'none'/);
        assert.match(csp, /script-src 'sha256-[^']+'$|script-src 'sha256-[^']+';/);
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
        assert.equal((html.match(/<script>/g) ?? []).length, 1, 'one inline script: the bundle');
        const page = await context.newPage();
        const problems = [];
        const dialogs = [];
        page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
        page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
        page.on('pageerror', (e) => problems.push(e.message));
        page.on('request', (r) => !/^(file|data|blob):/.test(r.url()) && problems.push(`request ${r.url()}`));
        await page.goto(pathToFileURL(file).href);
        await page.waitForSelector('.summary', { timeout: 20_000 });
        assert.equal((await page.$eval('.summary', (n) => n.textContent)).trim(), report.summary);
        assert.equal(await page.title(), 'Decoder Lens: tiny-gpt vs tiny-gpt-finetuned');
        const { cells, background } = await cellPixels(page);
        assert.ok(
          cells.some((c) => c.join() !== background.join()),
          'the heatmap is painted',
        );
        const worst = worstCell(report);
        await hoverCell(page, worst.l, worst.h);
        await page.waitForFunction((v) => document.querySelector('.jsd-readout').textContent.includes(v), bits(worst.v));
        // No traces in the page: no "show A/B" actions, no export; the text report downloads instead.
        assert.deepEqual(await page.$$eval('vscode-button', (n) => n.filter((b) => b.checkVisibility()).map((b) => b.textContent.trim())), [
          'Download as text',
        ]);
        assert.equal(await page.$eval('.cell-actions', (n) => n.hidden), true);
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('vscode-button.open-text')]);
        const text = readFileSync(await download.path(), 'utf8');
        assert.ok(text.includes(report.summary), 'the downloaded text carries the summary');
        assert.deepEqual(dialogs, []);
        assert.deepEqual(
          problems.filter((p) => !/Icon component|DevTools/.test(p)),
          [],
        );
        await shot(page, 'compare-report');
        await page.close();
      },
    );
  }
} finally {
  await close();
  await server.close();
}

finish();
