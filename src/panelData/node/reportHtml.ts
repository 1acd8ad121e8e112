/**
 * The standalone HTML report: the panel's own bundle and styles inlined, the trace embedded (packed, base64),
 * and a strict CSP whose script and style hashes allow exactly what is inlined. Opens in any browser.
 * vscode-free, so the CLI can write reports too; Node (files, hashes): the page's own reader is ../embedded.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attentionTopKShrunk } from '../../core/trace/attention';
import type { Trace } from '../../core/trace/types';
import { embedPanelData, PANEL_DATA_ID } from '../embedded';
import { toPanelData } from '../fromTrace';
import type { PanelData } from '../serve';
import { BASE_STYLE, VIEW_PAGES } from '../viewPages';

export interface ReportAssets {
  script: string;
  styles: string[];
  codiconCss: string;
}

/** The two pages a report can be: the attention panel (a trace) or the compare view (a comparison). */
export type ReportKind = 'panel' | 'compare';

/** Reads a view's built bundle and styles from the extension's dist folder. */
export function readReportAssets(distDir: string, kind: ReportKind = 'panel'): ReportAssets {
  const read = (...p: string[]) => readFileSync(join(distDir, ...p), 'utf8');
  const ttf = readFileSync(join(distDir, 'media', 'codicon.ttf')).toString('base64');
  const codicon = read('media', 'codicon.css').replace(/url\(["']?\.\/codicon\.ttf[^)"']*["']?\)/g, `url("data:font/ttf;base64,${ttf}")`);
  return {
    script: read('webview', VIEW_PAGES[kind].bundle).replace(/\n\/\/# sourceMappingURL=.*$/m, ''),
    styles: [BASE_STYLE, ...VIEW_PAGES[kind].styles].map((name) => read('media', name)),
    codiconCss: codicon,
  };
}

export function reportHtml(data: PanelData, assets: ReportAssets): string {
  const page = withinReportSize(data);
  return standalonePage(`Decoder Lens: ${page.meta.model.name}, ${page.meta.createdAt}`, assets, PANEL_DATA_ID, embedPanelData(page));
}

/**
 * A page that opens in any browser: the bundle and styles inlined, the data in a non-executed script element
 * (base64, so nothing in it can close the element), and a CSP whose hashes allow exactly what is inlined.
 */
export function standalonePage(title: string, assets: ReportAssets, dataId: string, base64: string): string {
  // Inline code must not close its element early.
  const script = lf(assets.script)
    .replace(/<\/(script)/gi, '<\\/$1')
    .replace(/<!--/g, '<\\!--');
  const styles = assets.styles.map((s) => lf(s).replace(/<\/(style)/gi, '<\\/$1'));
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
  const csp = [
    "default-src 'none'",
    'img-src data: blob:',
    // data: serves the codicon stylesheet (the icon component links it by id), hashes the inlined styles.
    `style-src data: ${styles.map(hash).join(' ')}`,
    'font-src data:',
    `script-src ${hash(script)}`,
  ].join('; ');
  const codicon = `data:text/css;base64,${Buffer.from(assets.codiconCss, 'utf8').toString('base64')}`;
  return `<!DOCTYPE html>
<html lang="en" class="dl-report">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="Decoder Lens">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${codicon}" id="vscode-codicon-stylesheet">
${styles.map((s) => `<style>${s}</style>`).join('\n')}
</head>
<body>
<main id="root"></main>
<script type="application/octet-stream" id="${dataId}">${base64}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** One call for the CLI and `npm run demo`: a trace to a report file. */
export function writeHtmlReport(trace: Trace, distDir: string, outFile: string, traceId = 'report'): void {
  writeFileSync(outFile, reportHtml(toPanelData(trace, traceId), readReportAssets(distDir)));
}

/** Tensor bytes a report embeds at most (base64 adds a third; the page's bundle a few MB): the page stays ≤ 50 MB. */
export const REPORT_TENSOR_BYTES = 30 * 1024 * 1024;

/**
 * A long trace's sparse captures cut to as many keys per row as fit REPORT_TENSOR_BYTES (the rest mass grows
 * by what is cut), saying so in the report's dropped list. Dense captures are embedded as they are.
 */
export function withinReportSize(data: PanelData, budget = REPORT_TENSOR_BYTES): PanelData {
  const sparse = data.attention.filter((a) => a.topK);
  if (sparse.length === 0) return data;
  const bytes = (a: PanelData['attention'][number]) =>
    a.topK
      ? a.topK.values.byteLength + a.topK.indices.byteLength + a.topK.rest.byteLength
      : a.data.byteLength + (a.quantized?.codes.byteLength ?? 0);
  const fixed =
    data.attention.filter((a) => !a.topK).reduce((n, a) => n + bytes(a), 0) +
    data.masks.reduce((n, m) => n + m.visible.byteLength + (m.bands ? 3 * m.bands.first.byteLength : 0), 0);
  const rows = sparse.reduce((n, a) => n + a.heads * a.queries, 0);
  const current = sparse.reduce((n, a) => n + bytes(a), 0);
  if (fixed + current <= budget) return data;
  // Per kept key: a float16 value and an int32 index; per row its float32 rest.
  const k = Math.max(1, Math.floor(((budget - fixed) / rows - 4) / 6));
  const was = sparse[0].topK!.k;
  if (k >= was) return data;
  return {
    ...data,
    meta: {
      ...data.meta,
      dropped: [
        ...data.meta.dropped,
        `report: each row keeps its ${k} largest probabilities of the trace's ${was}, to stay under ${Math.round((budget * 4) / 3 / 1e6) + 4} MB`,
      ],
    },
    attention: data.attention.map((a) => attentionTopKShrunk(a, k)),
  };
}

/** The parser turns CRLF into LF before hashing: hash what it will see. */
const lf = (text: string) => text.replace(/\r\n?/g, '\n');

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
