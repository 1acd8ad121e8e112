/**
 * The compare view's entry. In VS Code it speaks to the extension host through the webview's message port; in
 * the standalone HTML report (the comparison embedded in the page) it serves itself.
 */
import { Connection } from '../../src/protocol/rpc';
import type { CompareHostEvents, CompareHostMethods, CompareViewEvents, CompareViewMethods } from '../../src/protocol/compare';
import { COMPARE_DATA_ID } from '../../src/panelData/embedded';
import { loadStrings } from '../shared/strings';
import { hostPort, vscodeApi } from '../shared/vscodePort';
import { CompareApp } from './app';
import { startCompareReport } from './report';

const root = document.getElementById('root')!;
loadStrings(root);
const reportData = document.getElementById(COMPARE_DATA_ID);

if (reportData) startCompareReport(root, reportData.textContent ?? '');
else startInVsCode();

function startInVsCode(): void {
  const api = vscodeApi()!;
  const connection = new Connection<CompareViewMethods, CompareHostMethods, CompareViewEvents, CompareHostEvents>(hostPort(api), {});
  const app = new CompareApp(root, { connection, getState: () => api.getState(), setState: (state) => api.setState(state) });
  connection.announceReady();
  void app.start();
}
