/** The Masks view's entry: a connection to the extension host through the VS Code webview API. */
import { Connection } from '../../src/protocol/rpc';
import type { InspectorHostEvents, InspectorHostMethods, InspectorViewEvents, InspectorViewMethods } from '../../src/protocol/inspector';
import { loadStrings } from '../shared/strings';
import { hostPort, vscodeApi } from '../shared/vscodePort';
import { InspectorApp } from './app';

const api = vscodeApi()!;
const connection = new Connection<InspectorViewMethods, InspectorHostMethods, InspectorViewEvents, InspectorHostEvents>(hostPort(api));
const root = document.getElementById('root')!;
loadStrings(root);
const app = new InspectorApp(root, {
  connection,
  getState: () => api.getState(),
  setState: (state) => api.setState(state),
});
connection.announceReady();
void app.start();
