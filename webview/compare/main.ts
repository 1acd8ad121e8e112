/** The compare view's entry: it speaks to the extension host through the webview's message port. */
import { Connection } from '../../src/protocol/rpc';
import type { CompareHostEvents, CompareHostMethods, CompareViewEvents, CompareViewMethods } from '../../src/protocol/compare';
import { hostPort, vscodeApi } from '../shared/vscodePort';
import { CompareApp } from './app';

const root = document.getElementById('root')!;
const api = vscodeApi()!;
const connection = new Connection<CompareViewMethods, CompareHostMethods, CompareViewEvents, CompareHostEvents>(hostPort(api), {});
const app = new CompareApp(root, { connection, getState: () => api.getState(), setState: (state) => api.setState(state) });
connection.announceReady();
void app.start();
