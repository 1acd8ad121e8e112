/**
 * The layers, lowest first. A room may import only the rooms listed for it (and itself); everything else —
 * including any cycle — fails here and in eslint.config.mjs, which states the same table.
 *
 *   core              src/core            vscode-free, DOM-free: models, graphs, decoding, the Trace. Imports no other room.
 *   protocol          src/protocol        the typed messages of every boundary. Core *types* only (import type).
 *   panelData         src/panelData       browser-safe data for the panel and reports (host, CLI and the report page).
 *   panelData/node    src/panelData/node  the Node half: writes standalone HTML reports (fs, crypto).
 *   worker            src/worker          owns ONNX Runtime; speaks the protocol.
 *   host              src/host            everything that imports vscode; talks to the worker, never runs a model.
 *   cli               src/cli, src/cli.ts the command line on the same core.
 *   webview/shared    webview/shared      widgets and helpers more than one webview uses.
 *   webview/<view>    panel, inspector, compare, interventions: each view's own code; they never import one another.
 *
 * Lowest first ("a → b": b may import a, never the other way round):
 *   core → protocol → panelData → panelData/node → host, cli
 *                   → worker
 *          protocol, panelData → webview/shared → webview/panel, webview/inspector, webview/compare
 * (the host also imports core and protocol directly, but never the core's decoder, graphs or lens runtime; the
 * worker is the host's only way to run a model, through messages).
 *
 * The edges are read from the real import graph (the TypeScript parser, folder indexes and `.js` specifiers
 * resolved), so `import … from '../core/decode'` counts like any other import.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../paths';
import { cycles, importGraph, reachable, sourceFiles, type ImportEdge } from './importGraph';

type Room =
  | 'core'
  | 'protocol'
  | 'panelData'
  | 'panelData/node'
  | 'worker'
  | 'host'
  | 'cli'
  | 'webview/shared'
  | 'webview/panel'
  | 'webview/inspector'
  | 'webview/compare'
  | 'webview/interventions';

/** What each room may import. `type` rooms may be imported with `import type` only (they load no code). */
const ALLOWED: Record<Room, { rooms: Room[]; typesOnly?: Room[] }> = {
  core: { rooms: [] },
  protocol: { rooms: [], typesOnly: ['core'] },
  panelData: { rooms: ['core', 'protocol'] },
  'panelData/node': { rooms: ['core', 'protocol', 'panelData'] },
  worker: { rooms: ['core', 'protocol'] },
  host: { rooms: ['core', 'protocol', 'panelData', 'panelData/node'] },
  cli: { rooms: ['core', 'protocol', 'panelData', 'panelData/node'] },
  'webview/shared': { rooms: ['protocol', 'panelData'] },
  'webview/panel': { rooms: ['webview/shared', 'protocol', 'panelData'] },
  'webview/inspector': { rooms: ['webview/shared', 'protocol', 'panelData'] },
  'webview/compare': { rooms: ['webview/shared', 'protocol', 'panelData'] },
  'webview/interventions': { rooms: ['webview/shared', 'protocol', 'panelData'] },
};

function roomOf(file: string): Room {
  if (file.startsWith('src/panelData/node/')) return 'panelData/node';
  if (file === 'src/cli.ts') return 'cli';
  const [top, second] = file.split('/');
  if (top === 'src' && ['core', 'protocol', 'panelData', 'worker', 'host', 'cli'].includes(second)) return second as Room;
  if (top === 'webview' && ['shared', 'panel', 'inspector', 'compare', 'interventions'].includes(second))
    return `webview/${second}` as Room;
  throw new Error(`${file} is in no room: add its folder to the layer table in test/unit/architecture/imports.test.ts`);
}

const edges = importGraph('src', 'webview');
const internal = edges.filter((e) => e.internal);
const show = (e: ImportEdge) => `${e.from} → ${e.spec}${e.typeOnly ? ' (type)' : ''}`;

test('the import graph is read from every source file, folder indexes included', () => {
  for (const f of sourceFiles('src', 'webview')) roomOf(f); // every file is in a room of the table
  // A folder-index import resolves to the index file (the regex this test replaced missed these).
  const folderIndex = internal.filter((e) => e.to.endsWith('/index.ts') && !/\/index(\.js)?$/.test(e.spec));
  assert.ok(folderIndex.length > 0, 'expected some imports of a folder index');
});

test('every import between rooms follows the layer order', () => {
  const bad = internal
    .filter((e) => {
      const from = roomOf(e.from);
      const to = roomOf(e.to);
      if (from === to) return false;
      const rule = ALLOWED[from];
      return !(rule.rooms.includes(to) || (e.typeOnly && rule.typesOnly?.includes(to)));
    })
    .map(show);
  assert.deepEqual(bad, []);
});

test('the rooms form no cycle, and neither do the files', () => {
  const roomEdges = internal.map((e) => [roomOf(e.from), roomOf(e.to)] as [string, string]).filter(([a, b]) => a !== b);
  assert.deepEqual(cycles(Object.keys(ALLOWED), roomEdges), []);
  const files = new Set(internal.flatMap((e) => [e.from, e.to]));
  assert.deepEqual(
    cycles(
      files,
      internal.map((e) => [e.from, e.to]),
    ),
    [],
  );
});

test('the core imports neither vscode nor the DOM-only or host packages', () => {
  const bad = edges.filter((e) => roomOf(e.from) === 'core' && !e.internal && e.to === 'vscode').map(show);
  assert.deepEqual(bad, []);
});

test('the graph core does not run models', () => {
  const bad = edges
    .filter((e) => e.from.startsWith('src/core/onnx/') && (e.to === 'onnxruntime-node' || e.to.startsWith('src/core/decode/')))
    .map(show);
  assert.deepEqual(bad, []);
});

test('the extension host never loads ONNX Runtime or the decoder (inference runs in the worker)', () => {
  // What the host may read from the core's decode and lens folders: options, sampling settings, lens outputs:
  // pure code that runs no session.
  const allowed = /^src\/core\/(decode\/(options|sampling)|lens\/(outputs|hidden))\.ts$/;
  const forbidden = (f: string) => f === 'onnxruntime-node' || (/^src\/core\/(decode|onnx|lens)\//.test(f) && !allowed.test(f));
  const direct = edges.filter((e) => roomOf(e.from) === 'host' && forbidden(e.to)).map(show);
  assert.deepEqual(direct, []);
  // And nothing the host loads loads them either.
  const loaded = reachable(edges, sourceFiles('src/host'));
  assert.deepEqual([...loaded].filter(forbidden), []);
});

test('webviews load no Node, no vscode and no ONNX Runtime, directly or through what they import', () => {
  const entries = sourceFiles('webview');
  const loaded = [...reachable(edges, entries)];
  const bad = loaded.filter((f) => f.startsWith('node:') || f === 'vscode' || f === 'onnxruntime-node' || /^src\/(host|worker)\//.test(f));
  assert.deepEqual(bad, []);
  // Node's built-ins without the node: prefix would slip past the line above.
  const nodeBuiltins = new Set(['fs', 'path', 'crypto', 'os', 'child_process', 'worker_threads', 'fs/promises', 'url', 'util', 'zlib']);
  assert.deepEqual(
    loaded.filter((f) => nodeBuiltins.has(f)),
    [],
  );
});

test('the browser-safe panel data loads no Node: the report page and the webviews run it', () => {
  const loaded = [
    ...reachable(
      edges,
      sourceFiles('src/panelData').filter((f) => roomOf(f) === 'panelData'),
    ),
  ];
  assert.deepEqual(
    loaded.filter((f) => f.startsWith('node:') || f === 'vscode' || f === 'onnxruntime-node'),
    [],
  );
});

test('everything the webviews type-check (core types read through the protocol included) reaches nothing Node-only', () => {
  const reached = [...reachable(edges, sourceFiles('webview'), () => true)];
  assert.deepEqual(
    reached.filter((f) => f.startsWith('node:') || f === 'vscode' || f === 'onnxruntime-node'),
    [],
  );
});

test('one declaration of the attention kinds', () => {
  const declared = sourceFiles('src', 'webview').filter((f) =>
    /'self' \| 'cross' \| 'encoder'|\[\s*'self',\s*'cross',\s*'encoder'\s*\]/.test(readFileSync(join(repoRoot, f), 'utf8')),
  );
  assert.deepEqual(declared, ['src/core/trace/types.ts', 'src/protocol/trace.ts']);
});
