/* global window, sessionStorage -- runs in the test page */
// Bundled (esbuild, iife) into the interventions view's test page: it plays the extension host, serving results the
// real core produced (the CLI's JSON) through a fake acquireVsCodeApi, and records what crosses: requests
// (openText), setState calls, the view's `rendered` events, CSP violations and errors.
import { Connection } from '../../src/protocol/rpc';
import { installFakeVsCodeApi, installTheme, recordPageProblems, stubHostPort } from './fakeWebviewApi.mjs';

const config = window.__dlInterventionsConfig;
const record = (window.__dl = { posted: [], setStates: 0, violations: [], errors: [], rendered: [], openText: [] });
recordPageProblems(record);

const methodOf = new Map();
const { port: hostPort, deliver } = stubHostPort(record, methodOf);

// A host that lost its results (e.g. restored without them): the view must draw from its own saved state.
const hostEmpty = sessionStorage.getItem('decoder-lens-interventions-host-empty') === '1';
const host = new Connection(hostPort, {
  open: () => (hostEmpty ? null : (config.open ?? null)),
  openText: ({ id }) => void record.openText.push(id),
});
host.onEvent('rendered', (r) => record.rendered.push(r));
window.__dlHost = host;

installFakeVsCodeApi({ stateKey: 'decoder-lens-interventions-state', record, methodOf, deliver });
installTheme(config.theme);
