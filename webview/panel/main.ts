/**
 * The attention panel's entry. In VS Code it speaks to the extension host; in the standalone HTML report
 * (data embedded in the page) it serves itself with the same data handlers the host uses.
 */
import { Connection } from '../../src/protocol/rpc';
import type { PanelEvents, PanelHostEvents, PanelHostMethods, PanelMethods } from '../../src/protocol/panel';
import { PANEL_DATA_ID } from '../../src/panelData/embedded';
import { loadStrings } from '../shared/strings';
import { hostPort, vscodeApi } from '../shared/vscodePort';
import { PanelApp } from './app';
import { startReport } from './report';
import { errorView, modelSummary } from './summary';

const root = document.getElementById('root')!;
loadStrings(root);
const reportData = document.getElementById(PANEL_DATA_ID);

if (reportData) startReport(root, reportData.textContent ?? '');
else startInVsCode();

function startInVsCode(): void {
  const api = vscodeApi()!;
  const connection = new Connection<PanelMethods, PanelHostMethods, PanelEvents, PanelHostEvents>(hostPort(api), {
    showModel({ summary }) {
      root.replaceChildren(modelSummary(summary));
    },
    showError({ message }) {
      root.replaceChildren(errorView(message));
    },
  });
  const app = new PanelApp(root, {
    connection,
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
    savePng: async (name, png) => void (await connection.request('savePng', { name, png })),
    exportHtml: async (traceId) => void (await connection.request('exportHtml', { traceId })),
    ablateHeads: (request) => connection.request('ablateHeads', request),
  });
  connection.announceReady();
  void app.start();
}
