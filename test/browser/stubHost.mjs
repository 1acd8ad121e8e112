/* global window, document, performance, structuredClone, MessageEvent -- runs in the test page */
// Bundled (esbuild, iife) into the test page's init script: it plays the extension host for the panel.
// It serves a real .dltrace with the host's own code (decodeTrace, toPanelData, the data service), through a
// fake acquireVsCodeApi, and records what crosses: messages, bytes, setState calls, the saved PNG.
import { decodeTrace } from '../../src/core/trace/file';
import { toPanelData } from '../../src/panelData/fromTrace';
import { Connection } from '../../src/protocol/rpc';
import { PanelDataService, dataHandlers } from '../../src/panelData/serve';
import { fromBase64 } from '../../src/panelData/base64';
import { syntheticTrace } from './synthetic.mjs';
import { installFakeVsCodeApi, installTheme } from './fakeWebviewApi.mjs';

const config = window.__dlConfig;
const record = (window.__dl = {
  posted: [],
  bytesPosted: 0,
  jsonEquivalent: 0,
  setStates: 0,
  savedPng: null,
  serveMs: {},
  violations: [],
  errors: [],
});
document.addEventListener('securitypolicyviolation', (e) => record.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
window.addEventListener('error', (e) => record.errors.push(String(e.message)));

const trace = config.synthetic ? syntheticTrace(config.synthetic) : decodeTrace(fromBase64(config.trace));
if (config.hostile) {
  // Untrusted token text: it must render as text everywhere.
  for (const list of [trace.input.tokens, trace.positions]) if (list[2]) list[2].text = config.hostile;
}
const traceId = config.traceId ?? 't-test-00000000';
const service = new PanelDataService(toPanelData(trace, traceId));

/** Bytes a message costs on the wire: typed arrays as bytes, the rest as JSON; and the same all as JSON. */
function measure(message) {
  let binary = 0;
  let asJson = 0;
  let typedArrays = 0;
  let numberArrays = 0;
  const json = JSON.stringify(message, (_k, v) => {
    if (ArrayBuffer.isView(v)) {
      typedArrays++;
      binary += v.byteLength;
      asJson += JSON.stringify(Array.from(v)).length;
      return 0;
    }
    if (Array.isArray(v) && v.length > 16 && v.every((x) => typeof x === 'number')) numberArrays++;
    return v;
  });
  return { bytes: binary + json.length, asJson: asJson + json.length, typedArrays, numberArrays };
}
const methodOf = new Map();

const toHost = new Set();
const hostPort = {
  post(message) {
    const m = measure(message);
    record.bytesPosted += m.bytes;
    record.jsonEquivalent += m.asJson;
    record.posted.push({
      kind: message.kind,
      method: message.method ?? methodOf.get(message.id),
      bytes: m.bytes,
      typedArrays: m.typedArrays,
      numberArrays: m.numberArrays,
    });
    const copy = structuredClone(message);
    setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data: copy })), 0);
  },
  onMessage(listener) {
    toHost.add(listener);
    return { dispose: () => toHost.delete(listener) };
  },
};

const timed = (name, fn) => (params, ctx) => {
  const t0 = performance.now();
  const result = fn(params, ctx);
  (record.serveMs[name] ??= []).push(performance.now() - t0);
  return result;
};
const data = dataHandlers((id) => (id === traceId ? service : undefined));
const host = new Connection(hostPort, {
  ...Object.fromEntries(Object.entries(data).map(([k, fn]) => [k, timed(k, fn)])),
  open: () => ({ meta: service.data.meta, focus: config.focus, focusSeq: config.focus ? 1 : 0 }),
  savePng: ({ name, png }) => {
    record.savedPng = { name, size: png.length, signature: Array.from(png.subarray(0, 8)) };
    return { saved: `/tmp/${name}` };
  },
  exportHtml: () => ({ saved: null }),
  ablateHeads: (request) => {
    record.ablated = request;
  },
});
host.onEvent('selection', (s) => (record.selection = s));
window.__dlHost = host;
window.__dlService = service;

installFakeVsCodeApi({ stateKey: 'decoder-lens-test-state', record, methodOf, deliver: (m) => toHost.forEach((l) => l(m)) });
installTheme(config.theme);
