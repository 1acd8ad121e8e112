/**
 * A comparison as a standalone HTML page: the compare view's own bundle and styles inlined, the report (and its
 * readable text) embedded. What `decoder-lens compare --html` and the compare view's Export HTML write.
 * vscode-free. The page carries no attention tensors, so "show A/B in the panel" exists only in VS Code.
 */
import { writeFileSync } from 'node:fs';
import type { CompareReport } from '../../core/compare/compare';
import { formatReport } from '../../core/compare/summary';
import type { CompareReportPage } from '../../protocol/compare';
import { COMPARE_DATA_ID, embedComparePage } from '../embedded';
import { lastSegment } from '../pathName';
import { type ReportAssets, readReportAssets, standalonePage } from './reportHtml';

export function compareReportHtml(report: CompareReport, assets: ReportAssets, compareId = 'report'): string {
  const page: CompareReportPage = { open: { compareId, report, traces: { a: null, b: null } }, text: formatReport(report) };
  return standalonePage(
    `Decoder Lens: ${lastSegment(report.a.label)} vs ${lastSegment(report.b.label)}`,
    assets,
    COMPARE_DATA_ID,
    embedComparePage(page),
  );
}

/** One call for the CLI: a report to a file, with the bundle read from the extension's dist folder. */
export function writeCompareReport(report: CompareReport, distDir: string, outFile: string): void {
  writeFileSync(outFile, compareReportHtml(report, readReportAssets(distDir, 'compare')));
}
