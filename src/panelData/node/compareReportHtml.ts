/**
 * A comparison as a standalone HTML page: the compare view's own bundle and styles inlined, the report (and its
 * readable text) embedded. What `decoder-lens compare --html` and the compare view's Export HTML write.
 * vscode-free. The page carries no attention tensors, so "show A/B in the panel" exists only in VS Code.
 */
import { writeFileSync } from 'node:fs';
import type { CompareReport } from '../../core/compare/compare';
import { formatReport } from '../../core/compare/summary';
import type { BisectReport, CompareReportPage } from '../../protocol/compare';
import { formatBisect } from '../bisectText';
import { COMPARE_DATA_ID, embedComparePage } from '../embedded';
import { lastSegment } from '../pathName';
import { type ReportAssets, readReportAssets, standalonePage } from './reportHtml';

/** `bisect`: the layer bisector's report on the two models, when it ran (the page then shows its section). */
export function compareReportHtml(report: CompareReport, assets: ReportAssets, compareId = 'report', bisect?: BisectReport): string {
  const page: CompareReportPage = {
    open: { compareId, report, traces: { a: null, b: null }, ...(bisect ? { bisect } : {}) },
    text: formatReport(report) + (bisect ? `\n${formatBisect(bisect)}` : ''),
  };
  return standalonePage(
    `Decoder Lens: ${lastSegment(report.a.label)} vs ${lastSegment(report.b.label)}`,
    assets,
    COMPARE_DATA_ID,
    embedComparePage(page),
  );
}

/** One call for the CLI: a report to a file, with the bundle read from the extension's dist folder. */
export function writeCompareReport(report: CompareReport, distDir: string, outFile: string, bisect?: BisectReport): void {
  writeFileSync(outFile, compareReportHtml(report, readReportAssets(distDir, 'compare'), 'report', bisect));
}
