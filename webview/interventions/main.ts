/** The interventions view's entry: it speaks to the extension host through the webview's message port. */
import { Connection } from '../../src/protocol/rpc';
import type {
  InterventionsHostEvents,
  InterventionsHostMethods,
  InterventionsViewEvents,
  InterventionsViewMethods,
} from '../../src/protocol/interventions';
import { loadStrings } from '../shared/strings';
import { hostPort, vscodeApi } from '../shared/vscodePort';
import { InterventionsApp } from './app';

const root = document.getElementById('root')!;
loadStrings(root);
const api = vscodeApi()!;
const connection = new Connection<InterventionsViewMethods, InterventionsHostMethods, InterventionsViewEvents, InterventionsHostEvents>(
  hostPort(api),
  {},
);
const app = new InterventionsApp(root, { connection, getState: () => api.getState(), setState: (state) => api.setState(state) });
connection.announceReady();
void app.start();
