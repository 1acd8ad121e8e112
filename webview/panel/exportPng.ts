/** "Save PNG": the current view (title, head heatmap with its labels, the charts) composed onto one canvas. */
import { toCss } from '../../src/panelData/colorScale';
import type { Theme } from '../shared/theme';

export function composeView(title: string, heat: HTMLCanvasElement, charts: HTMLCanvasElement[], theme: Theme): HTMLCanvasElement {
  const dpr = window.devicePixelRatio || 1;
  const pad = 12 * dpr;
  const titleHeight = 28 * dpr;
  const shown = charts.filter((c) => c.width > 0 && c.height > 0 && c.isConnected);
  const chartsWidth = shown.reduce((w, c) => w + c.width + pad, 0);
  const chartsHeight = Math.max(0, ...shown.map((c) => c.height));
  const out = document.createElement('canvas');
  out.width = Math.ceil(Math.max(heat.width, chartsWidth) + 2 * pad);
  out.height = Math.ceil(titleHeight + heat.height + (shown.length ? chartsHeight + pad : 0) + 2 * pad);
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = toCss(theme.background);
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = toCss(theme.foreground);
  ctx.font = `${Math.round(14 * dpr)}px ${theme.fontFamily}`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title, pad, pad + titleHeight / 2);
  if (heat.width && heat.height) ctx.drawImage(heat, pad, pad + titleHeight);
  let x = pad;
  for (const c of shown) {
    ctx.drawImage(c, x, pad + titleHeight + heat.height + pad);
    x += c.width + pad;
  }
  return out;
}
