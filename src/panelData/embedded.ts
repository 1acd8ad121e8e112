/**
 * The data a standalone report page carries in a non-executed script element, written by the Node report
 * writers (src/panelData/node) and read back by the page itself: one place for the element ids and the encoding.
 * The panel's data is packed (typed arrays stay binary), the comparison is JSON; both as base64, so nothing in
 * them can close the element. Browser-safe.
 */
import { pack, unpack } from '../core/packed';
import type { CompareReportPage } from '../protocol/compare';
import { fromBase64, toBase64 } from './base64';
import type { PanelData } from './serve';

/** The element holding an attention panel report's data (the panel starts in report mode when it exists). */
export const PANEL_DATA_ID = 'decoder-lens-data';
/** The element holding a compare report's data (the compare view starts in report mode when it exists). */
export const COMPARE_DATA_ID = 'decoder-lens-compare-data';

export const embedPanelData = (data: PanelData): string => toBase64(pack(data));
export const readPanelData = (base64: string): PanelData => unpack<PanelData>(fromBase64(base64));

/** JSON turns NaN into null; reviveCompareOpen (compareReport.ts) turns it back. */
export const embedComparePage = (page: CompareReportPage): string => toBase64(new TextEncoder().encode(JSON.stringify(page)));
/** The page as parsed, unchecked: reviveCompareOpen checks its `open` field by field. */
export const readComparePage = (base64: string): { open?: unknown; text?: unknown } =>
  JSON.parse(new TextDecoder().decode(fromBase64(base64))) as { open?: unknown; text?: unknown };
