/**
 * Colour maths for heatmaps, free of the DOM so unit tests and the host can use it.
 * Probabilities are carried as one byte holding √p (√ spreads the small weights that attention is mostly made
 * of: p = 1/256 is byte 16, not 1); a 256-entry lookup table turns a byte into RGBA for ImageData.
 */

export type Rgba = [number, number, number, number];

/** Parses the colour forms computed styles and theme variables produce: #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(), rgba(). */
export function parseColor(text: string, fallback: Rgba = [0, 0, 0, 255]): Rgba {
  const s = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(s);
  if (hex) {
    let h = hex[1];
    if (h.length === 3 || h.length === 4) h = [...h].map((c) => c + c).join('');
    if (h.length !== 6 && h.length !== 8) return fallback;
    const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return [n(0), n(2), n(4), h.length === 8 ? n(6) : 255];
  }
  const fn = /^rgba?\(([^)]*)\)$/.exec(s);
  if (fn) {
    const parts = fn[1].split(/[\s,/]+/).filter(Boolean);
    if (parts.length < 3) return fallback;
    const channel = (p: string) => (p.endsWith('%') ? (parseFloat(p) * 255) / 100 : parseFloat(p));
    const alpha = parts[3] === undefined ? 1 : parts[3].endsWith('%') ? parseFloat(parts[3]) / 100 : parseFloat(parts[3]);
    const rgba: Rgba = [channel(parts[0]), channel(parts[1]), channel(parts[2]), alpha * 255];
    return rgba.some((v) => !Number.isFinite(v)) ? fallback : (rgba.map((v) => clampByte(v)) as Rgba);
  }
  return fallback;
}

/** Composites a (possibly translucent) colour over an opaque background. */
export function flatten(color: Rgba, background: Rgba): Rgba {
  const a = color[3] / 255;
  return [0, 1, 2].map((i) => clampByte(color[i] * a + background[i] * (1 - a))).concat(255) as Rgba;
}

export function mix(a: Rgba, b: Rgba, t: number): Rgba {
  return [0, 1, 2, 3].map((i) => clampByte(a[i] + (b[i] - a[i]) * t)) as Rgba;
}

export function toCss(c: Rgba, alpha = c[3] / 255): string {
  return `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${+alpha.toFixed(3)})`;
}

/** p in [0, 1] → the byte holding √p. Non-finite and negative values become 0. */
export function probToByte(p: number): number {
  if (!(p > 0)) return 0;
  if (p >= 1) return 255;
  return Math.round(Math.sqrt(p) * 255);
}

/** The probability a byte stands for (the centre of its bin). */
export function byteToProb(b: number): number {
  const r = b / 255;
  return r * r;
}

export type ScaleMode = 'sqrt' | 'linear';

/**
 * A 256 × RGBA table: entry b is the colour of probability byteToProb(b), placed on the ramp by √p (sqrt) or p
 * (linear). The ramp runs through the stops evenly (first stop = weight 0).
 */
export function buildLut(stops: Rgba[], mode: ScaleMode): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 4);
  const segments = Math.max(1, stops.length - 1);
  for (let b = 0; b < 256; b++) {
    const t = mode === 'sqrt' ? b / 255 : byteToProb(b);
    const x = Math.min(t * segments, segments - 1e-9);
    const i = Math.floor(x);
    const c = stops.length === 1 ? stops[0] : mix(stops[i], stops[i + 1], x - i);
    lut.set(c, b * 4);
  }
  return lut;
}

const clampByte = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
