/* global window, document, sessionStorage, structuredClone, MessageEvent -- runs in the test page */
// Bundled (esbuild, iife) into the interventions view's test page: it plays the extension host, serving results the
// real core produced (the CLI's JSON) through a fake acquireVsCodeApi, and records what crosses: requests
// (openText), setState calls, the view's `rendered` events, CSP violations and errors.
import { Connection } from '../../src/protocol/rpc';
import { installFakeVsCodeApi, installTheme } from './fakeWebviewApi.mjs';

const config = window.__dlInterventionsConfig;
const record = (window.__dl = { posted: [], setStates: 0, violations: [], errors: [], rendered: [], openText: [] });
document.addEventListener('securitypolicyviolation', (e) => record.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
window.addEventListener('error', (e) => record.errors.push(String(e.message)));

const toView = new Set();
const methodOf = new Map();
const hostPort = {
  post(message) {
    record.posted.push({ kind: message.kind, method: message.method ?? message.event ?? methodOf.get(message.id) });
    const copy = structuredClone(message);
    setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data: copy })), 0);
  },
  onMessage(listener) {
    toView.add(listener);
    return { dispose: () => toView.delete(listener) };
  },
};

// A host that lost its results (e.g. restored without them): the view must draw from its own saved state.
const hostEmpty = sessionStorage.getItem('decoder-lens-interventions-host-empty') === '1';
const host = new Connection(hostPort, {
  open: () => (hostEmpty ? null : (config.open ?? null)),
  openText: ({ id }) => void record.openText.push(id),
});
host.onEvent('rendered', (r) => record.rendered.push(r));
window.__dlHost = host;

installFakeVsCodeApi({ stateKey: 'decoder-lens-interventions-state', record, methodOf, deliver: (m) => toView.forEach((l) => l(m)) });
installTheme(config.theme);
