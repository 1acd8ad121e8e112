// The Masks view's heavy work (pooling whole layers into grids, the mask checks, the rerun comparison) runs in
// the worker, not on the extension host: the host's inspector code calls none of it, and the worker's methods,
// reached through its real handler table and a transferring connection, answer exactly what the pure functions
// answer on decoded fixtures.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import ts from 'typescript';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { checkTrace } from '../../../src/core/masks/checks';
import { compareRuns } from '../../../src/core/masks/compare';
import { modelCheckFacts } from '../../../src/core/masks/context';
import { layerGrid, layerGrids } from '../../../src/core/masks/grids';
import { rerunOptions } from '../../../src/core/masks/rerun';
import type { InspectorCompute } from '../../../src/host/inspector/session';
import { createHandlers } from '../../../src/worker/handlers';
import { sourceFiles } from '../architecture/importGraph';
import { fixture, repoRoot } from '../paths';
import { channelCompute } from './helpers';

/** What reads whole layers: the pooling, the checks, the comparison and the per-cell helpers under them. */
const HEAVY = [
  'layerGrids',
  'layerGrid',
  'layerCells',
  'pooledGrid',
  'checkTrace',
  'runChecks',
  'compareRuns',
  'maxOverHeads',
  'expectedVisible',
  'observedVisible',
  'impliedOnTrace',
  'checkedViews',
];

/** The identifiers a host file calls or imports as values (comments and type-only imports left out). */
function valuesUsed(file: string): Set<string> {
  const source = ts.createSourceFile(file, readFileSync(join(repoRoot, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      if (clause && !clause.isTypeOnly && clause.namedBindings && ts.isNamedImports(clause.namedBindings))
        for (const e of clause.namedBindings.elements) if (!e.isTypeOnly) used.add((e.propertyName ?? e.name).text);
      return;
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee)) used.add(callee.text);
      else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.name)) used.add(callee.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return used;
}

test('the extension host neither imports nor calls the grid pooling, the mask checks or the run comparison', () => {
  const offenders = sourceFiles('src/host').flatMap((f) =>
    [...valuesUsed(f)].filter((name) => HEAVY.includes(name)).map((n) => `${f}: ${n}`),
  );
  assert.deepEqual(offenders, []);
  // The reader sees imports and calls at all (it would pass vacuously otherwise).
  assert.ok(valuesUsed('src/host/inspector/session.ts').has('planProbes'));
});

/** The host's workerCompute against the worker's own handler table (each call counted), over a channel that clones and transfers. */
function workerSide(): { compute: InspectorCompute; calls: string[] } {
  const handlers = createHandlers(new SessionCache());
  const calls: string[] = [];
  const counted = Object.fromEntries(
    Object.entries(handlers).map(([name, h]) => [
      name,
      (p: never, c: never) => (calls.push(name), (h as (p: never, c: never) => unknown)(p, c)),
    ]),
  );
  return { compute: channelCompute(counted), calls };
}

describe('the worker pools and checks as the pure functions do', () => {
  const sessions = new SessionCache();
  after(() => sessions.clear());
  const PROMPT = 'copy: the red fox saw a big moon =';

  test('tiny-gpt: every grid, a zoomed block, the checks and a rerun comparison; the host trace stays whole', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const trace = await decode(model, sessions, { text: PROMPT, maxNewTokens: 4 });
    const { compute, calls } = workerSide();
    const before = trace.attention.map((a) => a.data.length);
    assert.deepEqual(await compute.grids(trace, [], 8), layerGrids(trace, [], 8));
    const zoom = { kind: 'self' as const, layer: 1, q0: 2, k0: 1, rows: 5, cols: 6, maxRows: 5, maxCols: 6 };
    assert.deepEqual(await compute.grid(trace, zoom, []), layerGrid(trace, zoom, []));
    assert.deepEqual(await compute.grid(trace, { ...zoom, layer: 99 }, []), null);
    assert.deepEqual(await compute.check(trace, { locale: 'en' }), { findings: checkTrace(trace, 'trace', { locale: 'en' }), notes: [] });
    const mask = trace.input.tokens.map((_, i) => (i === 2 ? 0 : 1));
    const rerun = await decode(model, sessions, rerunOptions(trace, mask));
    assert.deepEqual(await compute.compare(trace, rerun), compareRuns(trace, rerun));
    // Each trace crossed once (a shell, then one message per capture); the host's arrays were copied, not moved.
    const parts = (t: typeof trace) => 1 + t.attention.length + t.masks.length;
    assert.equal(calls.filter((c) => c === 'masksTrace').length, parts(trace) + parts(rerun));
    assert.deepEqual(
      trace.attention.map((a) => a.data.length),
      before,
    );
  });

  test('tiny-gpt-genai (GroupQueryAttention): the implied grids from the graph facts; a trace forgotten, or dropped by the worker, is sent again', async () => {
    const model = await openModel(fixture('tiny-gpt-genai'));
    const trace = await decode(model, sessions, { text: PROMPT, maxNewTokens: 3 });
    const { taps } = (await modelCheckFacts(model)).context;
    assert.ok(taps?.some((t) => t.implied));
    const { compute, calls } = workerSide();
    const want = layerGrids(trace, taps!, 64);
    assert.ok(want.every((g) => g.implied));
    assert.deepEqual(await compute.grids(trace, taps!, 64), want);
    compute.forget([trace]);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(calls.includes('masksForget'));
    assert.deepEqual(await compute.grids(trace, taps!, 64), want);
    // The worker keeps the last few traces: asked about one it dropped, the host sends it again.
    for (let i = 0; i < 5; i++) await compute.grids({ ...trace }, taps!, 8);
    const sent = calls.filter((c) => c === 'masksTrace').length;
    assert.deepEqual(await compute.grids(trace, taps!, 64), want);
    assert.ok(calls.filter((c) => c === 'masksTrace').length > sent);
  });
});
