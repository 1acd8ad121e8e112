/**
 * The panel's data requests on open, timed in plain Node (no VS Code): a synthetic trace shaped like the bench
 * model's (12 layers × 12 heads, 256 prompt + 20 generated) or a long one with compact codes, then the calls the
 * panel makes when it shows a trace (summary, grid thumbnails, first head, charts, lens). Prints CPU ms per call.
 * Run after the build: `node out/bench/panelData.js [--layers 12 --heads 12 --tokens 276 --bits 0|8|16]`
 * (add `--cpu-prof` to node for a profile).
 */
import { encodeTrace } from '../src/core/trace/file';
import { toPanelData } from '../src/panelData/fromTrace';
import { PanelDataService } from '../src/panelData/serve';
import { syntheticPanelTrace } from '../test/unit/panelData/syntheticTrace';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function cpuMs<T>(label: string, run: () => T): T {
  const start = process.cpuUsage();
  const wall = performance.now();
  const out = run();
  const used = process.cpuUsage(start);
  console.log(
    `${label.padEnd(34)} cpu ${((used.user + used.system) / 1000).toFixed(1).padStart(8)} ms   wall ${(performance.now() - wall).toFixed(1).padStart(8)} ms`,
  );
  return out;
}

const layers = arg('layers', 12);
const heads = arg('heads', 12);
const tokens = arg('tokens', 276);
const bits = arg('bits', 0) as 0 | 8 | 16;
console.log(`panel data on open: ${layers} layers × ${heads} heads, T = ${tokens}, ${bits ? `${bits}-bit codes` : 'float32'}`);
const trace = cpuMs('build synthetic trace (not timed)', () => syntheticPanelTrace({ layers, heads, tokens, bits, seed: 1 }));
const service = cpuMs('toPanelData + service', () => new PanelDataService(toPanelData(trace, 'bench')));
const post = <T>(v: T) => structuredClone(v);
// What AttentionPanels.show also does on the host: pack the trace for restoring the panel after a reload.
cpuMs('encodeTrace (panel storage)', () => encodeTrace(trace).length);
cpuMs('open event meta (+clone)', () => post(service.data.meta));
const last = layers - 1;
cpuMs('thumbnails self 64 (+clone)', () => post(service.thumbnails({ traceId: 'bench', kind: 'self', size: 64 })));
cpuMs('thumbnails again (cached)', () => post(service.thumbnails({ traceId: 'bench', kind: 'self', size: 64 })));
cpuMs(`matrix L${last} head 0 (+clone)`, () => post(service.matrix({ traceId: 'bench', kind: 'self', layer: last, head: 0 })));
cpuMs(`matrix L${last} mean (+clone)`, () => post(service.matrix({ traceId: 'bench', kind: 'self', layer: last, head: 'mean' })));
cpuMs('acrossLayers last query, head 0', () => post(service.acrossLayers({ traceId: 'bench', kind: 'self', query: tokens - 1, head: 0 })));
cpuMs('acrossLayers last query, mean', () =>
  post(service.acrossLayers({ traceId: 'bench', kind: 'self', query: tokens - 1, head: 'mean' })),
);
cpuMs('entropy last query', () => post(service.entropy({ traceId: 'bench', kind: 'self', query: tokens - 1 })));
cpuMs('topK step 0', () => post(service.topK({ step: 0 })));
cpuMs('lens', () => post(service.lens()));
cpuMs('hidden', () => post(service.hidden()));

/** The longest the event loop went without running a 1 ms timer while `run` was pending, in wall ms. */
async function longestBlock(label: string, run: () => Promise<unknown>): Promise<void> {
  let last = performance.now();
  let longest = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const start = process.cpuUsage();
  await run();
  const now = performance.now();
  longest = Math.max(longest, now - last);
  clearInterval(probe);
  const used = process.cpuUsage(start);
  console.log(
    `${label.padEnd(34)} cpu ${((used.user + used.system) / 1000).toFixed(1).padStart(8)} ms   longest block ${longest.toFixed(1).padStart(6)} ms`,
  );
}

void (async () => {
  // As the host serves them (dataHandlers): the same answers, in slices with the event loop free between them.
  const fresh = new PanelDataService(toPanelData(trace, 'bench'));
  await longestBlock('sliced: thumbnails self 64', () => fresh.thumbnailsSliced({ traceId: 'bench', kind: 'self', size: 64 }));
  await longestBlock(`sliced: matrix L${last} head 0`, () => fresh.matrixSliced({ traceId: 'bench', kind: 'self', layer: last, head: 0 }));
  await longestBlock(`sliced: matrix L${last} mean`, () =>
    fresh.matrixSliced({ traceId: 'bench', kind: 'self', layer: last, head: 'mean' }),
  );
  await longestBlock('direct: thumbnails self 64', async () =>
    new PanelDataService(toPanelData(trace, 'bench')).thumbnails({ traceId: 'bench', kind: 'self', size: 64 }),
  );
})();
