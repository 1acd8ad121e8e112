/** The attention panel's host API. */
export { AttentionPanels } from './attentionPanels';
export { AttentionPanel } from './attentionPanel';
export { writeHtmlReport, reportHtml, readReportAssets } from '../../panelData/node/reportHtml';
export type { PanelFocus } from '../../protocol/panel';
