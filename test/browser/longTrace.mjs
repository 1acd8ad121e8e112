/* global window, document -- page.evaluate callbacks run in the browser */
// The attention panel on a 4,096-token trace (8-bit per-head codes, as the capture keeps long contexts): the model
// grid and one 4,096 × 4,096 head are painted downsampled to the canvas — a planted bright cell must survive the
// pooling in both — and zooming in shows that cell at full resolution in the same colour.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPanel, shotsDir } from './page.mjs';
import { headLayout, waitForPanel } from './probe.mjs';

export const LONG = { layers: 2, heads: 4, T: 4096, generated: 2, compact: 8, plant: { layer: 1, head: 2, query: 3000, key: 1234 } };

/** One device pixel of a canvas, at device coordinates. */
const pixel = (page, selector, x, y) =>
  page.$eval(selector, (c, [x, y]) => Array.from(c.getContext('2d').getImageData(Math.floor(x), Math.floor(y), 1, 1).data), [x, y]);
const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Device-pixel centre of the pixel that shows cell (q, k) in the head view (pooled or not), from its published layout. */
async function headPixelOf(page, q, k) {
  const l = await headLayout(page);
  const dpr = await page.$eval('.head-canvas', (c) => c.width / c.getBoundingClientRect().width);
  const [outRows, outCols] = l.out;
  const nr = l.queries;
  const nc = l.keys;
  // The bin holding the cell, as paintRegion bins: output i covers [floor(i·n/out), floor((i+1)·n/out)).
  const bin = (i, n, out) => {
    for (let b = Math.floor((i * out) / n); b < out; b++) if (Math.floor(((b + 1) * n) / out) > i) return b;
    return out - 1;
  };
  const r = bin(q - l.q0, nr, outRows);
  const c = bin(k - l.k0, nc, outCols);
  return {
    x: l.left * dpr + (c + 0.5) * ((nc * l.cell * dpr) / outCols),
    y: l.top * dpr + (r + 0.5) * ((nr * l.cell * dpr) / outRows),
    css: [l.left + (k - l.k0 + 0.5) * l.cell, l.top + (q - l.q0 + 0.5) * l.cell],
    layout: l,
  };
}

/** Scrolls so the head canvas's point (CSS px) is on screen and returns it in page coordinates for the mouse. */
async function onScreen(page, [cx, cy]) {
  return page.$eval(
    '.head-canvas',
    (c, [cx, cy]) => {
      const r = c.getBoundingClientRect();
      window.scrollBy(0, r.top + cy - window.innerHeight / 2);
      const after = c.getBoundingClientRect();
      return { x: after.left + cx, y: after.top + cy };
    },
    [cx, cy],
  );
}

async function pickHead(page, layer, head) {
  await page.click(`canvas.thumb[data-layer="${layer}"][data-head="${head}"]`);
  await page.waitForFunction((t) => document.querySelector('.head-title')?.textContent?.includes(t), `Layer ${layer} · head ${head}`);
  await page.waitForFunction(() => document.querySelector('.head-canvas')?.dataset.layout);
}

export async function longTraceChecks({ context, server, stub, check }) {
  const { plant, T } = LONG;
  const { page, problems } = await openPanel(
    context,
    server.origin,
    stub,
    { synthetic: LONG, traceId: 't-test-long0000' },
    { timeout: 180_000 },
  );
  try {
    await check(
      'a 4,096-token trace: the model grid shows every head, and a planted bright cell survives the thumbnail pooling',
      async () => {
        const meta = await waitForPanel(page, 180_000);
        assert.deepEqual([meta.layers, meta.heads], [LONG.layers, LONG.heads]);
        const thumb = (h) => `canvas.thumb[data-layer="${plant.layer}"][data-head="${h}"]`;
        const size = await page.$eval(thumb(plant.head), (c) => [c.width, c.height]);
        assert.ok(size[0] < T && size[1] < T, `thumbnails are pooled: ${size}`);
        // The thumbnail's block holding the planted cell (the host bins T rows into `size` blocks).
        const x = Math.floor((plant.key * size[0]) / T);
        const y = Math.floor((plant.query * size[1]) / T);
        const planted = await pixel(page, thumb(plant.head), x, y);
        const other = await pixel(page, thumb((plant.head + 1) % LONG.heads), x, y);
        assert.ok(dist(planted, other) > 80, `planted block ${planted} vs the same block of another head ${other}`);
      },
    );

    await check('one 4,096 × 4,096 head is max-pooled to the canvas (no 4,096-pixel canvas); the planted cell stays bright', async () => {
      await pickHead(page, plant.layer, plant.head);
      const { x, y, layout } = await headPixelOf(page, plant.query, plant.key);
      assert.equal(layout.pooled, true, JSON.stringify(layout));
      const width = await page.$eval('.head-canvas', (c) => c.width);
      assert.ok(width < T, `the head canvas is ${width} px wide: it should fit the view`);
      const planted = await pixel(page, '.head-canvas', x, y);
      // A block off the diagonal in the same head (same distance below the diagonal, other rows): background only.
      const away = await headPixelOf(page, plant.query - 600, plant.key - 600);
      const background = await pixel(page, '.head-canvas', away.x, away.y);
      assert.ok(dist(planted, background) > 80, `planted ${planted} vs background ${background}`);
      await pickHead(page, plant.layer, (plant.head + 1) % LONG.heads);
      const elsewhere = await pixel(page, '.head-canvas', x, y);
      assert.ok(dist(planted, elsewhere) > 80, `planted ${planted} vs the same pixel of another head ${elsewhere}`);
      await pickHead(page, plant.layer, plant.head);
      // The readout under the pointer names the exact cell and says the view is pooled.
      const at = await onScreen(page, (await headPixelOf(page, plant.query, plant.key)).css);
      await page.mouse.move(at.x, at.y);
      const readout = await page.$eval('.readout', (r) => r.textContent);
      assert.match(readout, /^Query \d+ .*→ key \d+ .*largest of/, readout);
      await page.screenshot({ path: join(shotsDir, 'panel-long-4096.png') });
    });

    await check(
      'zooming in (Ctrl+wheel at the cell) reaches full resolution: the planted cell alone, in the colour of its pooled pixel',
      async () => {
        const before = await headPixelOf(page, plant.query, plant.key);
        const pooledColour = await pixel(page, '.head-canvas', before.x, before.y);
        for (let i = 0; i < 12; i++) {
          const now = await headPixelOf(page, plant.query, plant.key);
          if (!now.layout.pooled && now.layout.cell >= 4) break;
          const at = await onScreen(page, now.css);
          await page.mouse.move(at.x, at.y);
          await page.keyboard.down('Control');
          await page.mouse.wheel(0, -120);
          await page.keyboard.up('Control');
          await page.waitForFunction((k) => document.querySelector('.head-canvas').dataset.layout !== k, JSON.stringify(now.layout));
        }
        const zoomed = await headPixelOf(page, plant.query, plant.key);
        const l = zoomed.layout;
        assert.equal(l.pooled, false, JSON.stringify(l));
        assert.ok(l.cell >= 4, `cells are ${l.cell} px`);
        assert.ok(
          l.q0 <= plant.query && plant.query < l.q0 + l.queries && l.k0 <= plant.key && plant.key < l.k0 + l.keys,
          JSON.stringify(l),
        );
        const full = await pixel(page, '.head-canvas', zoomed.x, zoomed.y);
        assert.ok(dist(full, pooledColour) < 6, `full-resolution cell ${full} vs its pooled pixel ${pooledColour}`);
        // Its neighbours in the row are the row's small remainder, so they must be dark next to it.
        const left = await headPixelOf(page, plant.query, plant.key - 1);
        assert.ok(dist(await pixel(page, '.head-canvas', left.x, left.y), full) > 80, 'the neighbour looks as bright as the planted cell');
        await page.screenshot({ path: join(shotsDir, 'panel-long-4096-zoomed.png') });
        // 0 goes back to the whole head.
        await page.focus('.head-canvas');
        await page.keyboard.press('0');
        assert.equal((await headLayout(page)).queries, T);
        assert.deepEqual(
          problems.filter((p) => !/Icon component|DevTools/.test(p)),
          [],
        );
      },
    );
  } finally {
    await page.close();
  }
}
