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

/** A causal decoder-only trace over T positions (2 layers, uniform attention), as .dltrace base64. */
function longTrace(T) {
  const tokens = Array.from({ length: T }, (_, i) => ({
    id: 100 + (i % 50),
    text: ` t${i}`,
    start: i * 4,
    end: i * 4 + 4,
    special: false,
  }));
  const layers = [0, 1].map((layer) => {
    const data = new Float32Array(T * T);
    const visible = new Uint8Array(T * T);
    for (let q = 0; q < T; q++) {
      data.fill(1 / (q + 1), q * T, q * T + q + 1);
      visible.fill(1, q * T, q * T + q + 1);
    }
    // Layer 1's mask lets query 500 see the later key 501: one cell of a causal finding.
    if (layer === 1) visible[500 * T + 501] = 1;
    return { layer, data, visible };
  });
  const trace = {
    format: 'decoder-lens-trace',
    version: 1,
    createdAt: new Date(0).toISOString(),
    model: { path: '/synthetic-long', architecture: 'decoder-only', layers: 2, heads: 1, kvCache: false, files: [], vocabSize: 1000 },
    settings: {
      maxNewTokens: 0,
      sampling: { strategy: 'greedy', temperature: 1, topK: 50, topP: 0.9, seed: 0 },
      useCache: false,
      captureMaxBytes: 1 << 30,
    },
    input: { text: tokens.map((t) => t.text).join(''), tokens, attentionMask: tokens.map(() => 1) },
    positions: tokens,
    inputProbs: new Float32Array(T).fill(NaN),
    inputTop: tokens.map(() => []),
    generated: [],
    generatedText: '',
    stopReason: 'scored',
    attention: layers.map(({ layer, data }) => ({ layer, kind: 'self', heads: 1, headAveraged: false, queries: T, keys: T, data })),
    masks: layers.map(({ layer, visible }) => ({ layer, kind: 'self', queries: T, keys: T, visible, raw: new Float32Array(T * T) })),
    hidden: [],
    dropped: [],
    unavailable: [],
  };
  return h.toBase64(h.encodeTrace(trace));
}

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
// GroupQueryAttention applies its mask inside the kernel: the view shows the mask the op implies.
const gqa = await prepareTraces(h, sessions, 'tiny-gpt-genai', PROMPT, [], 4, { graphFacts: true });
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
  const impliedReady = (page) =>
    page.waitForFunction(() => {
      const s = document.querySelector('.implied');
      return s && !s.hidden && document.querySelector('.implied-canvas').width > 0;
    });
  /** Pixels of the implied canvas: how many in the red of differing cells, how many distinct colours. */
  const impliedPixels = (page) =>
    page.$eval('.implied-canvas', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let red = 0;
      const colours = new Set();
      for (let i = 0; i < d.length; i += 4) {
        colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        if (d[i] > 180 && d[i + 1] < 110 && d[i + 2] < 110) red++;
      }
      return { red, colours: colours.size, w: c.width };
    });
  const positions = gqa ? gqa.tokens + 3 : 0; // the prompt, then 3 of the 4 generated tokens fed back

  await check(
    'tiny-gpt-genai: the mask GroupQueryAttention implies is drawn, named by op and node, and agrees with the observed zeros',
    async () => {
      const { page, problems } = await openView(context, server.origin, stub, gqa);
      await ready(page);
      await impliedReady(page);
      assert.equal(await page.textContent('.implied-title'), 'Implied by GroupQueryAttention (/model/layers.0/attn/GroupQueryAttention)');
      assert.match(
        await page.textContent('.implied-detail'),
        /causal, seqlens_k .*Observed: the cells where every head’s captured probability is exactly zero/,
      );
      assert.deepEqual(await page.$$eval('.implied-legend .legend-item', (n) => n.map((x) => x.textContent)), [
        'the op lets the query see the key',
        'the op hides the key',
        'differs from the observed zeros',
      ]);
      assert.equal(
        await page.textContent('.implied-summary'),
        `The implied mask and the observed one agree on all ${positions * positions} cells.`,
      );
      const px = await impliedPixels(page);
      assert.ok(px.w > 0 && px.colours >= 2 && px.red === 0, `painted, visible and hidden apart, nothing red: ${JSON.stringify(px)}`);
      assert.match((await rendered(page)).implied, /^Implied by GroupQueryAttention/);
      await page.click('.layer-thumb[data-layer="1"]');
      await page.waitForFunction(() => document.querySelector('.implied-title').textContent.includes('layers.1'));
      await shot(page, 'inspector-implied-gqa');
      assert.deepEqual(problems, []);
      await page.close();
    },
  );

  await check('where the op implies a window the probabilities do not keep, the differing cells are outlined and named', async () => {
    // The same trace, with graph facts saying the op slides a window of 2: every cell 2 or more keys back is hidden
    // by the op but read by the model, (n − 2)(n − 1)/2 of them; the first is query 2 → key 0.
    const taps = gqa.facts.checks.taps.map((tap) => ({
      ...tap,
      implied: { ...tap.implied, window: 2, label: 'implied by com.microsoft GroupQueryAttention (causal, local_window_size=2)' },
    }));
    const { page, problems } = await openView(context, server.origin, stub, {
      ...gqa,
      facts: { ...gqa.facts, checks: { ...gqa.facts.checks, taps } },
    });
    await ready(page);
    await impliedReady(page);
    const n = positions;
    const line = await page.textContent('.implied-summary');
    assert.ok(
      line.startsWith(`The implied mask and the observed one differ on ${((n - 2) * (n - 1)) / 2} cells (outlined in red): query 2 “`),
      line,
    );
    assert.match(line, /→ key 0 “[^”]*”: implied hidden, observed visible;/);
    assert.equal(await page.$eval('.implied-canvas', (c) => c.dataset.differs), String(((n - 2) * (n - 1)) / 2));
    assert.equal(
      await page.textContent('.implied-detail'),
      'What the op’s inputs and attributes say: causal, local_window_size=2. Observed: the cells where every head’s captured probability is exactly zero.',
    );
    const px = await impliedPixels(page);
    assert.ok(px.red > 50, `differing cells outlined in red: ${JSON.stringify(px)}`);
    await shot(page, 'inspector-implied-differs');
    assert.deepEqual(problems, []);
    await page.close();
  });

  await check('a hostile node name and token in the implied grid are text: no element, no script', async () => {
    const taps = gqa.facts.checks.taps.map((tap) => ({ ...tap, node: HOSTILE, implied: { ...tap.implied, window: 2 } }));
    const { page, problems, dialogs } = await openView(context, server.origin, stub, {
      ...gqa,
      hostile: HOSTILE,
      facts: { ...gqa.facts, checks: { ...gqa.facts.checks, taps } },
    });
    await ready(page);
    await impliedReady(page);
    assert.equal(await page.textContent('.implied-title'), `Implied by GroupQueryAttention (${HOSTILE})`);
    // Token 2 is the hostile one: the first differing cell names it as the query.
    assert.match(await page.textContent('.implied-summary'), /query 2 “<\/script><img·src=x·onerror=alert\(1\)>”/);
    assert.equal(await page.$$eval('img', (n) => n.length), 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(problems, []);
    await page.close();
  });
  await check(
    'a 1,024-position trace: the snapshot carries 64-cell overviews, the view asks for its canvas size, a click zooms to full resolution',
    async () => {
      const T = 1024;
      const { page, problems } = await openView(context, server.origin, stub, { original: longTrace(T) });
      await page.waitForFunction(() => window.__dl.rendered?.grid?.qStep > 0 && window.__dl.rendered.grid.qStep < 16, undefined, {
        timeout: 20_000,
      });
      const rec = await page.evaluate(() => window.__dl);
      const snapshots = rec.posted.filter((p) => p.method === 'snapshot' || (p.kind === 'response' && p.method === 'open'));
      const grids = rec.posted.filter((p) => p.kind === 'response' && p.method === 'grid');
      // Overviews: 2 layers × 4 arrays × 64² bytes, plus 1,024 tokens; the grid drawn: 4 arrays × side².
      assert.ok(snapshots.length && snapshots.every((p) => p.bytes < 400_000), JSON.stringify(snapshots));
      const r = (await rendered(page)).grid;
      assert.equal(r.qStep, Math.ceil(T / r.rows));
      assert.ok(grids.length >= 1 && grids.every((p) => p.bytes < 5 * r.rows * r.cols + 8192), JSON.stringify({ grids, r }));
      assert.match(await page.textContent('.zoom-text'), /^Downsampled \(each cell a \d+×\d+ block/);
      console.log(
        `    (T = ${T}: snapshot ${snapshots.map((p) => p.bytes)} bytes, grid ${grids.map((p) => p.bytes)} bytes for ${r.rows}×${r.cols} cells)`,
      );
      // Click the middle of the grid: a 48-cell block at full resolution, token labels back.
      const layout = JSON.parse(await page.$eval('.mask-canvas', (c) => c.dataset.layout));
      const box = await page.$eval('.mask-canvas', (c) => {
        c.scrollIntoView({ block: 'center' });
        return c.getBoundingClientRect().toJSON();
      });
      await page.mouse.click(box.x + layout.left + (layout.cols / 2) * layout.cell, box.y + layout.top + (layout.rows / 2) * layout.cell);
      await page.waitForFunction(() => window.__dl.rendered.grid.qStep === 1);
      const z = (await rendered(page)).grid;
      assert.deepEqual([z.rows, z.cols, z.qStep, z.kStep], [48, 48, 1, 1]);
      assert.match(
        await page.textContent('.zoom-text'),
        new RegExp(`^Queries ${z.q0}–${z.q0 + 47} × keys ${z.k0}–${z.k0 + 47} at full resolution\\.$`),
      );
      await shot(page, 'inspector-long-zoom');
      await page.click('vscode-button.zoom-back');
      await page.waitForFunction(() => window.__dl.rendered.grid.qStep > 1);
      // Picking the finding shows its cell at full resolution, outlined.
      assert.match(await page.textContent('.finding'), /causal mask is missing/);
      await page.click('.finding');
      await page.waitForFunction(() => window.__dl.rendered.layer === 1 && window.__dl.rendered.grid.qStep === 1);
      const f = (await rendered(page)).grid;
      assert.ok(f.q0 <= 500 && 500 < f.q0 + f.rows && f.k0 <= 501 && 501 < f.k0 + f.cols, JSON.stringify(f));
      assert.match(await page.textContent('.grid-summary'), /^1 cell differ/);
      assert.deepEqual(problems, []);
      await page.close();
    },
  );
} finally {
  await close();
  await server.close();
}

finish();
