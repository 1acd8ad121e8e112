/* global window, sessionStorage -- runs in the test page */
// Bundled (esbuild, iife) into the compare view's test page: it plays the extension host, serving a comparison
// the real core produced (the CLI's JSON report) through a fake acquireVsCodeApi, and records what crosses:
// requests (openTrace, openText, bisect), setState calls, the view's `rendered` event, CSP violations and errors.
import { Connection } from '../../src/protocol/rpc';
import { installFakeVsCodeApi, installTheme, recordPageProblems, stubHostPort } from './fakeWebviewApi.mjs';

const config = window.__dlCompareConfig;
const record = (window.__dl = {
  posted: [],
  setStates: 0,
  violations: [],
  errors: [],
  rendered: null,
  openTrace: [],
  openText: 0,
  bisect: [],
});
recordPageProblems(record);

const methodOf = new Map();
const { port: hostPort, deliver } = stubHostPort(record, methodOf);

// A host that lost its comparison (e.g. restored without one): the view must draw from its own saved state.
const hostEmpty = sessionStorage.getItem('decoder-lens-compare-host-empty') === '1';
const host = new Connection(hostPort, {
  open: () => (hostEmpty ? null : (config.open ?? null)),
  openTrace: (params) => {
    record.openTrace.push(params);
    return config.openTraceFails
      ? { shown: false, message: 'B’s trace is no longer stored: run “Decoder Lens: Compare With…” again.' }
      : { shown: true };
  },
  openText: () => void record.openText++,
  // As the extension does: the bisector runs, then the host shows the comparison again with its report.
  bisect: (params) => {
    record.bisect.push(params);
    if (config.bisectFails) return { ran: false, message: config.bisectFails };
    if (config.bisectCancelled) return { ran: false };
    setTimeout(() => host.notify('show', { ...config.open, bisect: config.bisectReport }), 0);
    return { ran: true };
  },
});
host.onEvent('rendered', (r) => (record.rendered = r));
window.__dlHost = host;

installFakeVsCodeApi({ stateKey: 'decoder-lens-compare-state', record, methodOf, deliver });
installTheme(config.theme);
