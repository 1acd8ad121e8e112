/** The Masks view's entry: a connection to the extension host through the VS Code webview API. */
import { Connection } from '../../src/protocol/rpc';
import type { InspectorHostEvents, InspectorHostMethods, InspectorViewEvents, InspectorViewMethods } from '../../src/protocol/inspector';
import { hostPort, vscodeApi } from '../shared/vscodePort';
import { InspectorApp } from './app';

const api = vscodeApi()!;
const connection = new Connection<InspectorViewMethods, InspectorHostMethods, InspectorViewEvents, InspectorHostEvents>(hostPort(api));
const app = new InspectorApp(document.getElementById('root')!, {
  connection,
  getState: () => api.getState(),
  setState: (state) => api.setState(state),
});
connection.announceReady();
void app.start();
