/** The attention panel's host API (see issue 5). */
export { AttentionPanels } from './attentionPanels';
export { AttentionPanel } from './attentionPanel';
export { writeHtmlReport, reportHtml, readReportAssets } from '../../panelData/reportHtml';
export type { PanelFocus } from '../../protocol/panel';
