#!/usr/bin/env node
/* global window, document, Event -- page.evaluate callbacks run in the browser */
// Browser benchmark for the attention panel (a measurement, not a test: it prints figures, it does not judge).
//   node test/browser/bench.mjs
// 1. A generated 12-layer × 12-head trace at T = 256: painting the model-view grid, the host's thumbnail
//    downsampling, and the bytes posted to the panel to show it, against the same messages as JSON and against
//    sending every attention matrix as JSON.
// 2. One 1,024 × 1,024 head: painting it in the head view.
// 3. A 4,096-token trace (24 layers × 16 heads, 8-bit per-head codes as the capture keeps long contexts): the
//    model grid, and one 4,096 × 4,096 head max-pooled to the canvas, then zoomed to full resolution.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { launchBrowser } from '../harness/browser.mjs';
import { ensureBuilt, hostModules, openPanel, outDir, shotsDir, startServer, stubScript } from './page.mjs';

const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;

ensureBuilt();
const host = await hostModules();
const stub = await stubScript();
const server = await startServer(host);
const { context, close } = await launchBrowser({ viewport: { width: 1300, height: 1000 } });
const figures = {};

/** Repaints by flipping the colour scale (no host round trip); returns the median of `read` after each. */
async function repaintTimes(page, read) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    await page.evaluate(() => {
      const box = document.querySelector('.pick-scale');
      box.checked = !box.checked;
      box.dispatchEvent(new Event('change'));
    });
    await page.waitForTimeout(50);
    times.push(await page.evaluate(read));
  }
  return times;
}

try {
  {
    const t0 = Date.now();
    const { page } = await openPanel(context, server.origin, stub, { synthetic: { layers: 12, heads: 12, T: 256 } });
    await page.waitForFunction(
      () => document.querySelector('.grid')?.dataset.paintMs && document.querySelector('.head-canvas')?.dataset.paintMs,
      undefined,
      { timeout: 120_000 },
    );
    await page.waitForTimeout(300);
    const first = await page.evaluate(() => ({
      grid: Number(document.querySelector('.grid').dataset.paintMs),
      serve: window.__dl.serveMs,
      posted: window.__dl.bytesPosted,
      asJson: window.__dl.jsonEquivalent,
      messages: window.__dl.posted.length,
    }));
    const grid = await repaintTimes(page, () => Number(document.querySelector('.grid').dataset.paintMs));
    // Every attention matrix of the trace as JSON numbers: what posting the whole trace naively would cost.
    const allJson = await page.evaluate(() =>
      window.__dlService.data.attention.reduce((n, a) => n + JSON.stringify(Array.from(a.data)).length, 0),
    );
    const allBinary = await page.evaluate(() => window.__dlService.data.attention.reduce((n, a) => n + a.data.byteLength, 0));
    await page.screenshot({ path: join(shotsDir, 'bench-12x12-T256.png') });
    figures.grid = {
      trace: '12 layers × 12 heads, T = 256 (self-attention, causal mask)',
      firstPaintMs: first.grid,
      repaintMsMedian: median(grid),
      repaintMsRuns: grid,
      hostThumbnailsMs: first.serve.thumbnails?.[0],
      openToPaintedMs: Date.now() - t0,
      postedBytes: first.posted,
      postedAsJsonBytes: first.asJson,
      messages: first.messages,
      wholeTraceBinaryBytes: allBinary,
      wholeTraceJsonBytes: allJson,
    };
    await page.close();
  }
  {
    const { page } = await openPanel(context, server.origin, stub, { synthetic: { layers: 1, heads: 2, T: 1024, generated: 2 } });
    await page.waitForFunction(() => document.querySelector('.head-canvas')?.dataset.paintMs, undefined, { timeout: 120_000 });
    await page.waitForTimeout(300);
    const first = await page.evaluate(() => Number(document.querySelector('.head-canvas').dataset.paintMs));
    // Switching heads: a new matrix from the host, converted and painted (the full path).
    const switches = [];
    for (let i = 0; i < RUNS; i++) {
      const before = await page.evaluate(() => document.querySelector('.head-canvas').dataset.paintMs);
      await page.evaluate((h) => {
        const select = document.querySelector('.pick-head');
        select.value = String(h);
        select.dispatchEvent(new Event('change'));
      }, i % 2);
      await page.waitForFunction((b) => document.querySelector('.head-canvas').dataset.paintMs !== b, before);
      switches.push(await page.evaluate(() => Number(document.querySelector('.head-canvas').dataset.paintMs)));
    }
    const repaints = await repaintTimes(page, () => Number(document.querySelector('.head-canvas').dataset.paintMs));
    const serve = await page.evaluate(() => window.__dl.serveMs.matrix);
    await page.screenshot({ path: join(shotsDir, 'bench-head-1024.png') });
    figures.head = {
      matrix: '1,024 × 1,024',
      firstPaintMs: first,
      newHeadPaintMsMedian: median(switches),
      newHeadPaintMsRuns: switches,
      repaintMsMedian: median(repaints),
      hostMatrixMsMedian: median(serve),
    };
    await page.close();
  }
  {
    // Every layer reads one layer's codes (6.4 GB otherwise); the host still pools all 384 heads for the grid.
    const spec = { layers: 24, heads: 16, T: 4096, generated: 2, compact: 8, sharedLayers: true };
    const t0 = Date.now();
    const { page } = await openPanel(context, server.origin, stub, { synthetic: spec }, { timeout: 900_000 });
    await page.waitForFunction(
      () => document.querySelector('.grid')?.dataset.paintMs && document.querySelector('.head-canvas')?.dataset.paintMs,
      undefined,
      { timeout: 900_000 },
    );
    const openToPaintedMs = Date.now() - t0;
    await page.waitForTimeout(300);
    const firstGrid = await page.evaluate(() => Number(document.querySelector('.grid').dataset.paintMs));
    const grid = await repaintTimes(page, () => Number(document.querySelector('.grid').dataset.paintMs));
    const head = await repaintTimes(page, () => Number(document.querySelector('.head-canvas').dataset.paintMs));
    // A new head: the host decodes the head's codes, posts it, the view pools it to the canvas.
    const switches = [];
    const walls = [];
    for (let i = 0; i < RUNS; i++) {
      const before = await page.evaluate(() => document.querySelector('.head-canvas').dataset.paintMs);
      const w0 = Date.now();
      await page.evaluate((h) => {
        const select = document.querySelector('.pick-head');
        select.value = String(h);
        select.dispatchEvent(new Event('change'));
      }, i % 2);
      await page.waitForFunction((b) => document.querySelector('.head-canvas').dataset.paintMs !== b, before, { timeout: 120_000 });
      walls.push(Date.now() - w0);
      switches.push(await page.evaluate(() => Number(document.querySelector('.head-canvas').dataset.paintMs)));
    }
    // Zoomed to full resolution (each + halves the window around the query): the paint of a 512² window.
    await page.focus('.head-canvas');
    const zooms = [];
    for (let i = 0; i < 3; i++) {
      const before = await page.evaluate(() => document.querySelector('.head-canvas').dataset.layout);
      await page.keyboard.press('+');
      await page.waitForFunction((b) => document.querySelector('.head-canvas').dataset.layout !== b, before);
      zooms.push(
        await page.evaluate(() => ({
          ms: Number(document.querySelector('.head-canvas').dataset.paintMs),
          ...JSON.parse(document.querySelector('.head-canvas').dataset.layout),
        })),
      );
    }
    const serve = await page.evaluate(() => window.__dl.serveMs);
    await page.screenshot({ path: join(shotsDir, 'bench-24x16-T4096.png') });
    figures.long = {
      trace: '24 layers × 16 heads, T = 4,096, 8-bit per-head codes',
      openToPaintedMs,
      hostThumbnailsMs: serve.thumbnails?.[0],
      gridFirstPaintMs: firstGrid,
      gridRepaintMsMedian: median(grid),
      gridRepaintMsRuns: grid,
      headRepaintMsMedian: median(head),
      headRepaintMsRuns: head,
      newHeadPaintMsMedian: median(switches),
      newHeadPaintMsRuns: switches,
      newHeadWallMsMedian: median(walls),
      hostMatrixMsMedian: median(serve.matrix),
      zoomed: zooms.map((z) => ({ ms: z.ms, window: `${z.queries}×${z.keys}`, cell: z.cell, pooled: z.pooled })),
    };
    await page.close();
  }
} finally {
  await close();
  await server.close();
}

const g = figures.grid;
const h = figures.head;
console.log(`Machine: ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} (other work shares these cores; figures scale with it).
Model view, ${g.trace}:
  grid paint (144 thumbnails, ImageData): first ${g.firstPaintMs.toFixed(1)} ms, repaint median ${g.repaintMsMedian.toFixed(1)} ms (goal ≤ 100 ms)
  host thumbnail downsampling (max-pool 256² → 64², all 144): ${g.hostThumbnailsMs?.toFixed(1)} ms
  page open → everything painted: ${g.openToPaintedMs} ms (includes generating the trace in the page)
  bytes posted to the panel to show it (${g.messages} messages): ${mb(g.postedBytes)}; the same messages as JSON: ${mb(g.postedAsJsonBytes)} (${(g.postedAsJsonBytes / g.postedBytes).toFixed(1)}×)
  the whole trace's attention: ${mb(g.wholeTraceBinaryBytes)} as Float32Array, ${mb(g.wholeTraceJsonBytes)} as JSON (never sent)
Head view, ${h.matrix}:
  new head (host slice → √p bytes → ImageData → canvas): median ${h.newHeadPaintMsMedian.toFixed(1)} ms (goal ≤ 50 ms), first ${h.firstPaintMs.toFixed(1)} ms
  repaint (theme or scale change): median ${h.repaintMsMedian.toFixed(1)} ms; host slice: median ${h.hostMatrixMsMedian.toFixed(2)} ms`);
const L = figures.long;
const spread = (xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
console.log(`Long context, ${L.trace}:
  model grid paint (384 thumbnails): first ${L.gridFirstPaintMs.toFixed(1)} ms, repaint median ${L.gridRepaintMsMedian.toFixed(1)} ms (runs ${spread(L.gridRepaintMsRuns)}; goal ≤ 150 ms)
  one 4,096 × 4,096 head max-pooled to the canvas: repaint median ${L.headRepaintMsMedian.toFixed(1)} ms (runs ${spread(L.headRepaintMsRuns)}; goal ≤ 100 ms)
  new head in the view (pool + draw): median ${L.newHeadPaintMsMedian.toFixed(1)} ms (runs ${spread(L.newHeadPaintMsRuns)}); with the host's decode of the codes and the post: ${L.newHeadWallMsMedian} ms wall (host decode median ${L.hostMatrixMsMedian.toFixed(1)} ms)
  zoomed in (+ three times, around the query): ${L.zoomed.map((z) => `${z.window} at ${+z.cell.toFixed(2)} px/cell${z.pooled ? ' pooled' : ''} ${z.ms.toFixed(1)} ms`).join('; ')}
  host thumbnails for the grid (max-pool of 384 heads of 4,096² codes): ${L.hostThumbnailsMs?.toFixed(0)} ms; page open → painted: ${L.openToPaintedMs} ms`);
writeFileSync(join(outDir, 'bench.json'), JSON.stringify(figures, null, 2));
