/**
 * The colours a webview paints canvases and charts with, read from the theme's `--vscode-*` variables (through
 * the `--dl-*` aliases in the stylesheet, which give standalone pages fallbacks), and a hook for theme changes.
 */
import { flatten, mix, parseColor, type Rgba } from '../../src/panelData/colorScale';

export interface Theme {
  kind: 'light' | 'dark' | 'high-contrast';
  background: Rgba;
  foreground: Rgba;
  muted: Rgba;
  accent: Rgba;
  focus: Rgba;
  border: Rgba;
  /** Fill of masked cells: a neutral distinct from both the background (weight 0) and the ramp. */
  masked: Rgba;
  /** Chart series colours (charts.red, blue, …). */
  palette: Rgba[];
  fontFamily: string;
  monoFamily: string;
  fontSize: number;
  /** The heatmap ramp: weight 0 → 1. */
  ramp: Rgba[];
}

const PALETTE = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'];

export function readTheme(root: HTMLElement = document.body): Theme {
  const style = getComputedStyle(root);
  const v = (name: string) => style.getPropertyValue(name).trim();
  const background = parseColor(v('--dl-bg'), [30, 30, 30, 255]);
  const over = (name: string, fallback: Rgba) => flatten(parseColor(v(name), fallback), background);
  const foreground = over('--dl-fg', [204, 204, 204, 255]);
  const accent = over('--dl-heat', [55, 148, 255, 255]);
  const cls = document.body.classList;
  const kind =
    cls.contains('vscode-high-contrast') || cls.contains('vscode-high-contrast-light')
      ? 'high-contrast'
      : isLight(background)
        ? 'light'
        : 'dark';
  return {
    kind,
    background,
    foreground,
    muted: over('--dl-muted', mix(foreground, background, 0.4)),
    accent,
    focus: over('--dl-focus', [0, 127, 212, 255]),
    border: over('--dl-border', mix(foreground, background, 0.75)),
    masked: mix(background, foreground, kind === 'light' ? 0.16 : 0.22),
    palette: PALETTE.map((name) => over(`--dl-chart-${name}`, [128, 128, 128, 255])),
    fontFamily: v('--dl-font') || 'sans-serif',
    monoFamily: v('--dl-mono') || 'monospace',
    fontSize: parseFloat(v('--dl-font-size')) || 13,
    // Background → theme accent → toward the foreground: the top of the range stays distinct from mid weights.
    ramp: [background, mix(background, accent, 0.55), accent, mix(accent, foreground, 0.55)],
  };
}

const isLight = (c: Rgba) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] > 140;

/**
 * Calls back when the theme changes: VS Code swaps the body's `vscode-light|dark|high-contrast` class and
 * rewrites the variables on <html>. Returns a function that stops observing.
 */
export function onThemeChange(callback: () => void): () => void {
  let pending = 0;
  const fire = () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(callback);
  };
  const observer = new MutationObserver(fire);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  const media = window.matchMedia?.('(prefers-color-scheme: light)');
  media?.addEventListener('change', fire);
  return () => {
    observer.disconnect();
    media?.removeEventListener('change', fire);
  };
}
