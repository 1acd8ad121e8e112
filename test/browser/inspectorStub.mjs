/* global window -- runs in the test page */
// Bundled (esbuild, iife) into the Masks view's test page: it plays the extension host with the host's own session
// (checks, probes, reruns, comparison) over traces decoded beforehand by the real runtime in node, through a fake
// acquireVsCodeApi, and records what crosses: message sizes, typed arrays, setState calls, CSP violations.
import { checkTrace, compareRuns, runChecks } from '../../src/core/masks';
import { layerGrid, layerGrids } from '../../src/core/masks/grids';
import { decodeTrace } from '../../src/core/trace/file';
import { InspectorSession } from '../../src/host/inspector/session';
import { fromBase64 } from '../../src/panelData/base64';
import { Connection, RemoteError } from '../../src/protocol/rpc';
import { installFakeVsCodeApi, installTheme, recordPageProblems, stubHostPort } from './fakeWebviewApi.mjs';

const config = window.__dlInspectorConfig;
const record = (window.__dl = { posted: [], setStates: 0, violations: [], errors: [], rendered: null, activated: [], requests: [] });
recordPageProblems(record);

const load = (b64) => {
  const trace = decodeTrace(fromBase64(b64));
  if (config.hostile) for (const list of [trace.input.tokens, trace.positions]) if (list[2]) list[2].text = config.hostile;
  return trace;
};
const keyOf = (options) => `${options.text}\u0000${(options.attentionMask ?? []).join('')}`;
const answer = async (options) => {
  record.requests.push(keyOf(options));
  await new Promise((r) => setTimeout(r, config.delayMs ?? 0));
  const b64 = config.responses?.[keyOf(options)];
  if (!b64) throw new RemoteError({ code: 'internal', message: `the test host has no decode for ${JSON.stringify(keyOf(options))}` });
  return load(b64);
};
const runner = {
  rerun: (_path, options) => answer(options),
  probe: (_path, options) => answer(options),
  facts: async () => config.facts ?? {},
  // What the extension's worker answers (src/worker/masksStore.ts), in the page.
  compute: {
    grids: async (trace, taps, side) => layerGrids(trace, taps, side),
    grid: async (trace, request, taps) => layerGrid(trace, request, taps, gridCache),
    async check(trace, context, probes) {
      const notes = [];
      const findings = probes ? runChecks(trace, probes, (why) => notes.push(why), context) : checkTrace(trace, 'trace', context);
      return { findings, notes };
    },
    compare: async (base, other) => compareRuns(base, other),
    forget: () => undefined,
  },
};
const gridCache = {};

/** Typed arrays on the wire vs JSON arrays of numbers, per message. */
function measure(message) {
  let typedArrays = 0;
  let numberArrays = 0;
  let bytes = 0;
  const json = JSON.stringify(message, (_k, v) => {
    if (ArrayBuffer.isView(v)) {
      typedArrays++;
      bytes += v.byteLength;
      return 0;
    }
    if (Array.isArray(v) && v.length > 16 && v.every((x) => typeof x === 'number')) numberArrays++;
    return v;
  });
  return { typedArrays, numberArrays, bytes: bytes + json.length };
}

const methodOf = new Map();
const { port: hostPort, deliver } = stubHostPort(record, methodOf, measure);

let host;
const session = new InspectorSession(runner, (snapshot) => host?.notify('snapshot', snapshot));
host = new Connection(hostPort, {
  open: async () => {
    await session.ready();
    return session.snapshot();
  },
  rerun: async ({ mask }) => {
    host.notify('busy', { busy: true, message: 'Rerunning with the edited mask…' });
    try {
      return await session.rerun(Array.from(mask));
    } finally {
      host.notify('busy', { busy: false });
    }
  },
  reset: () => session.reset(),
  activate: ({ runId }) => void record.activated.push(runId),
  grid: (request) => session.grid(request),
});
host.onEvent('rendered', (r) => (record.rendered = r));
window.__dlSession = session;
window.__dlHost = host;
if (config.original) {
  session.show(load(config.original));
  window.__dlChecked = session.check();
}

installFakeVsCodeApi({ stateKey: 'decoder-lens-inspector-state', record, methodOf, deliver });
installTheme(config.theme);
