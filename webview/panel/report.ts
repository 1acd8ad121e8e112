/**
 * The standalone HTML report: the page carries the trace (packed, base64) and answers the panel's requests
 * itself, over an in-page message channel, with the same handlers the extension host uses.
 */
import { Connection } from '../../src/protocol/rpc';
import type { PanelEvents, PanelHostEvents, PanelHostMethods, PanelMethods } from '../../src/protocol/panel';
import { t } from '../shared/strings';
import { localPortPair } from '../shared/vscodePort';
import { PanelApp } from './app';
import { readPanelData } from '../../src/panelData/embedded';
import { dataHandlers, PanelDataService, type PanelData } from '../../src/panelData/serve';
import { errorView } from './summary';

export function startReport(root: HTMLElement, base64: string): void {
  let data: PanelData;
  try {
    data = readPanelData(base64);
  } catch (error) {
    root.replaceChildren(errorView(t('report.damaged', (error as Error).message)));
    return;
  }
  const service = new PanelDataService(data);
  const [hostSide, pageSide] = localPortPair();
  new Connection<PanelHostMethods, PanelMethods, PanelHostEvents, PanelEvents>(hostSide, {
    ...dataHandlers((id) => (id === data.meta.traceId ? service : undefined)),
    open: () => ({ meta: data.meta, focusSeq: 0 }),
  });
  let state: unknown;
  const app = new PanelApp(root, {
    connection: new Connection<PanelMethods, PanelHostMethods, PanelEvents, PanelHostEvents>(pageSide),
    getState: () => state,
    setState: (s) => (state = s),
    savePng: async (name, png) => download(name, png),
  });
  void app.start();
}

function download(name: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/png' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
