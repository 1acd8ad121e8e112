/* global document, sessionStorage -- page.evaluate callbacks run in the browser */
// Reading the panel from a test: wait until it has painted, read canvases, read the saved selection.

/** Waits for tokens, a painted head view and grid; returns what the DOM shows of the trace. */
export async function waitForPanel(page, timeout = 20_000) {
  await page.waitForFunction(
    () =>
      document.querySelector('.tok') &&
      document.querySelector('.head-canvas')?.width > 0 &&
      document.querySelector('canvas.thumb')?.width > 0 &&
      document.querySelector('.head-canvas')?.dataset.layout,
    undefined,
    { timeout },
  );
  return page.evaluate(() => {
    const thumbs = [...document.querySelectorAll('canvas.thumb')];
    return {
      inputTokens: document.querySelectorAll('.tok.input').length,
      generated: document.querySelectorAll('.tok.generated').length,
      layers: new Set(thumbs.map((t) => t.dataset.layer)).size,
      heads: new Set(thumbs.map((t) => t.dataset.head)).size,
    };
  });
}

/** Size, number of distinct colours (sampled) and the top-left pixel of the first canvas matching `selector`. */
export function canvasStats(page, selector) {
  return page.$eval(selector, (c) => {
    if (!c.width || !c.height) return { width: 0, height: 0, colours: 0, corner: [] };
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    const stride = Math.max(1, Math.floor(data.length / 4 / 20000));
    for (let i = 0; i < data.length; i += 4 * stride) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return { width: c.width, height: c.height, colours: colours.size, corner: Array.from(data.subarray(0, 4)) };
  });
}

/** The selection the panel last saved with setState (the stub keeps it in sessionStorage). */
export function selection(page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('decoder-lens-test-state') ?? 'null'));
}

/** The head view's geometry (the canvas publishes it as data-layout for tests and tools). */
export function headLayout(page) {
  return page.$eval('.head-canvas', (c) => JSON.parse(c.dataset.layout));
}

/** How many distinct values a canvas's red channel holds: more than a few when something was drawn. */
export const redChannelColours = (page, selector) =>
  page.$eval(
    selector,
    (c) =>
      new Set(
        Array.from(
          c
            .getContext('2d')
            .getImageData(0, 0, c.width, c.height)
            .data.filter((_, i) => i % 4 === 0),
        ),
      ).size,
  );
