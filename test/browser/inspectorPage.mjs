// The Masks view's test page: the view's bundle and stylesheets built into a private folder (other engineers'
// builds wipe dist/), its real HTML (the host's builder, CSP and all), traces decoded beforehand with the real
// runtime, and the stub host as an init script.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleStub, buildViewAssets, viewNodeHelpers } from './viewPage.mjs';
import { openStubbedView, serveView } from './viewServer.mjs';
import { repoRoot, shotsDir, THEMES } from './page.mjs';

export { repoRoot, shotsDir, THEMES };
export const workDir = join(repoRoot, 'test-results', 'inspector-browser');
const dist = join(workDir, 'dist');

/** The view's bundle and the stylesheets it links, as scripts/build.mjs would make them. */
export const buildAssets = () => buildViewAssets({ dist, view: 'inspector', stylesheets: ['webview.css', 'panel.css', 'inspector.css'] });

/** Node-side helpers from the sources: the view's HTML (vscode stubbed) and the decoder to prepare traces. */
export const nodeHelpers = () =>
  viewNodeHelpers({
    outfile: join(workDir, 'helpers.mjs'),
    view: 'inspector',
    title: 'Decoder Lens: Masks',
    exports: `export { decode, openModel } from './src/core/decode';
export { SessionCache } from './src/core/decode/sessionCache';
export { planProbes, probeOptions, rerunOptions, factsFromInputs } from './src/core/masks';
export { modelCheckFacts } from './src/core/masks/context';
export { encodeTrace } from './src/core/trace/file';
export { toBase64 } from './src/panelData/base64';`,
    node: true,
  });

export const stubScript = () => bundleStub('inspectorStub.mjs');

/**
 * A fixture decoded like the extension would (the original, the probes the checks plan, and reruns with the
 * given masks), as base64 .dltrace bytes keyed by text and mask for the stub host. `graphFacts`: the facts carry
 * the worker's graph facts too (taps, fused ops' implied masks), as the extension's runner gives them.
 */
export async function prepareTraces(h, sessions, name, text, reruns = [], maxNewTokens = 8, { graphFacts = false } = {}) {
  const modelDir = join(repoRoot, 'test', 'fixtures', 'models', name);
  if (!['config.json', 'genai_config.json'].some((f) => existsSync(join(modelDir, f)))) return undefined;
  const model = await h.openModel(modelDir);
  const original = await h.decode(model, sessions, { text, maxNewTokens });
  const inputs = await Promise.all(
    model.layout.files.map(async (f) => ({ role: f.role, inputs: (await sessions.open(f.path, { taps: false })).session.inputNames })),
  );
  // With the graph facts, the files' inputs come from them as the worker gives them (attention op types included).
  const graph = graphFacts ? await h.modelCheckFacts(model) : undefined;
  const facts = original.model.architecture === 'decoder-only' ? h.factsFromInputs(graph?.inputs ?? inputs) : {};
  if (graph) facts.checks = graph.context;
  const responses = {};
  const add = async (options) =>
    (responses[`${options.text}\u0000${(options.attentionMask ?? []).join('')}`] = h.toBase64(
      h.encodeTrace(await h.decode(model, sessions, options)),
    ));
  for (const probe of h.planProbes(original, facts)) await add(h.probeOptions(original, probe));
  for (const mask of reruns) await add(h.rerunOptions(original, mask));
  return { original: h.toBase64(h.encodeTrace(original)), facts, responses, tokens: original.input.tokens.length };
}

/** Serves `/` as the view's page and `/dist/…` from the private build. */
export const startServer = (h) => serveView(workDir, h.inspectorHtml);

/** Opens the view with the stub host serving `config` (dark theme unless it says otherwise). */
export const openView = (context, origin, stub, config) =>
  openStubbedView(context, origin, stub, '__dlInspectorConfig', { theme: THEMES.dark, ...config });
