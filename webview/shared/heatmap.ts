/**
 * Paints a [rows][cols] matrix into a canvas through ImageData at one pixel per cell, with masked cells in
 * their own colour. Callers scale it up with drawImage (smoothing off) or CSS `image-rendering: pixelated`.
 */
import { probToByte, type Rgba } from '../../src/panelData/colorScale';
import { poolRegion, type MatrixRegion } from './poolRegion';

export { poolRegion, type MatrixRegion };

/** Matrix values as √p bytes (the same encoding host-made thumbnails use). */
export function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = probToByte(values[i]);
  return out;
}

/**
 * Fills `canvas` (resized to cols × rows) from bytes at `offset`; where `masked[i]` is 1 the masked colour is
 * used instead of the ramp, so a hidden cell never looks like a merely small weight.
 */
export function paintBytes(
  canvas: HTMLCanvasElement | OffscreenCanvas,
  bytes: Uint8Array,
  rows: number,
  cols: number,
  lut: Uint8ClampedArray,
  masked?: Uint8Array,
  maskedColor: Rgba = [128, 128, 128, 255],
  offset = 0,
): void {
  if (canvas.width !== cols) canvas.width = cols;
  if (canvas.height !== rows) canvas.height = rows;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) return;
  const image = ctx.createImageData(cols, rows);
  const px = new Uint32Array(image.data.buffer);
  // Pack the table once as 32-bit pixels (little-endian RGBA), so each cell is one lookup and one store.
  const table = new Uint32Array(256);
  for (let b = 0; b < 256; b++) table[b] = (lut[b * 4 + 3] << 24) | (lut[b * 4 + 2] << 16) | (lut[b * 4 + 1] << 8) | lut[b * 4];
  const hidden = ((maskedColor[3] << 24) | (maskedColor[2] << 16) | (maskedColor[1] << 8) | maskedColor[0]) >>> 0;
  const n = rows * cols;
  if (masked) for (let i = 0; i < n; i++) px[i] = masked[i] ? hidden : table[bytes[offset + i]];
  else for (let i = 0; i < n; i++) px[i] = table[bytes[offset + i]];
  ctx.putImageData(image, 0, 0);
}

/**
 * Paints `region` of a [rows][cols] matrix of probabilities into `canvas` at outRows × outCols pixels, each pixel
 * the max over its block of cells (max keeps a single strong key visible where a mean would fade it). A pixel is
 * drawn masked only when every cell of its block is hidden (`visible` 0), and its max is taken over the visible
 * cells. One pass over the region's cells, no matrix-sized buffer: a 4,096² head costs 16 M reads and an ImageData
 * of the canvas's size, not 64 MB of pixels. With outRows = nr and outCols = nc it paints one pixel per cell.
 */
export function paintRegion(
  canvas: HTMLCanvasElement | OffscreenCanvas,
  values: ArrayLike<number>,
  cols: number,
  region: MatrixRegion,
  outRows: number,
  outCols: number,
  lut: Uint8ClampedArray,
  visible?: ArrayLike<number>,
  maskedColor: Rgba = [128, 128, 128, 255],
): void {
  if (canvas.width !== outCols) canvas.width = outCols;
  if (canvas.height !== outRows) canvas.height = outRows;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) return;
  const image = ctx.createImageData(outCols, outRows);
  const px = new Uint32Array(image.data.buffer);
  const table = new Uint32Array(256);
  for (let b = 0; b < 256; b++) table[b] = (lut[b * 4 + 3] << 24) | (lut[b * 4 + 2] << 16) | (lut[b * 4 + 1] << 8) | lut[b * 4];
  const hidden = ((maskedColor[3] << 24) | (maskedColor[2] << 16) | (maskedColor[1] << 8) | maskedColor[0]) >>> 0;
  const pooled = poolRegion(values, cols, region, outRows, outCols, visible);
  for (let i = 0; i < pooled.length; i++) px[i] = pooled[i] < 0 ? hidden : table[probToByte(pooled[i])];
  ctx.putImageData(image, 0, 0);
}

/** 1 where `visible` is 0: the form paintBytes takes. */
export function invert(visible: Uint8Array): Uint8Array {
  const out = new Uint8Array(visible.length);
  for (let i = 0; i < visible.length; i++) out[i] = visible[i] ? 0 : 1;
  return out;
}

/** Draws diagonal hatching over the masked cells of a matrix drawn at (left, top) with the given cell size. */
export function hatchMasked(
  ctx: CanvasRenderingContext2D,
  masked: Uint8Array,
  rows: number,
  cols: number,
  left: number,
  top: number,
  cell: number,
  color: string,
): void {
  if (cell < 4) return;
  const region = new Path2D();
  let any = false;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    while (c < cols) {
      if (!masked[r * cols + c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < cols && masked[r * cols + c]) c++;
      region.rect(left + start * cell, top + r * cell, (c - start) * cell, cell);
      any = true;
    }
  }
  if (!any) return;
  ctx.save();
  ctx.clip(region);
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.beginPath();
  const w = cols * cell;
  const h = rows * cell;
  const gap = Math.max(4, Math.min(8, cell / 2));
  for (let d = -h; d < w; d += gap) {
    ctx.moveTo(left + d, top + h);
    ctx.lineTo(left + d + h, top);
  }
  ctx.stroke();
  ctx.restore();
}

/**
 * Sizes a canvas to `width` × `height` CSS pixels at the screen's pixel ratio (crisp on HiDPI) and clears it to
 * `background`; afterwards the context draws in CSS pixels, without smoothing (cells stay sharp when scaled).
 */
export function sizeCanvas(
  canvas: HTMLCanvasElement,
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  background: string,
): void {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.ceil(width * dpr);
  canvas.height = Math.ceil(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = false;
}
