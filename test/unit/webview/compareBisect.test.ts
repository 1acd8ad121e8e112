// The compare view's bisect data: the core's report on the planted-fault fixture survives the view's saved state
// (a JSON round trip) whole, a damaged one is dropped without losing the comparison, and the view's verdict says
// what the CLI's verdict line says (steps counted from 1, as everywhere in the view).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { openModel } from '../../../src/core/decode';
import { bisect } from '../../../src/core/interventions';
import { reviveBisectReport, reviveCompareModels } from '../../../src/panelData/bisectReport';
import { formatBisect } from '../../../src/panelData/bisectText';
import { reviveCompareOpen } from '../../../src/panelData/compareReport';
import { bisectSeries, bisectVerdict, splicedText } from '../../../webview/compare/bisectModel';
import { fixture } from '../paths';

const planted = (JSON.parse(readFileSync(fixture('tiny-gpt-perturbed', 'bisect_reference.json'), 'utf8')) as { planted: { layer: number } })
  .planted.layer;
const prompt = 'copy: the red fox saw a big moon =';
const json = <T>(v: T): unknown => JSON.parse(JSON.stringify(v));

test('bisect report: kept whole through the view state; the verdict and the table say what the core found', async () => {
  const report = await bisect(await openModel(fixture('tiny-gpt')), await openModel(fixture('tiny-gpt-perturbed')), {
    text: prompt,
    maxNewTokens: 12,
  });
  assert.equal(report.restoredAfter, planted);
  assert.deepEqual(reviveBisectReport(json(report)), report);
  const models = { a: { path: '/m/a', variant: '' }, b: { path: '/m/b', variant: 'q4' }, text: prompt, maxNewTokens: 12 };
  assert.deepEqual(reviveCompareModels(json(models)), models);

  const d = report.divergence!;
  const verdict = bisectVerdict(report);
  assert.match(verdict, new RegExp(`^layer ${planted}: `));
  assert.equal(verdict, report.verdict.replace(`at step ${d.step}`, `at step ${d.step + 1}`).replaceAll("A's", 'A’s'));
  const s = bisectSeries(report);
  assert.deepEqual(
    s.layers,
    report.layers.map((l) => l.layer),
  );
  assert.deepEqual(
    s.residual,
    report.layers.map((l) => l.residualError),
  );
  assert.equal(splicedText(report, report.layers[planted]), 'matches A at every step');
  assert.equal(splicedText(report, report.layers[0]), 'still differs');
  assert.ok(formatBisect(report).includes(report.verdict), 'the text report carries the verdict line');
});

test('a damaged bisect report or model pair is dropped; the comparison it came with is not', () => {
  const layer = { layer: 0, residualError: 0, attentionJsd: null, lensA: null, lensB: null, lensDelta: null };
  const good = {
    a: { path: '/a', file: '/a/m.onnx' },
    b: { path: '/b', file: '/b/m.onnx' },
    tolerance: 0.05,
    fed: [1, 2],
    tokens: [{ id: 3, text: ' x' }],
    probsA: [0.9],
    probsB: [0.9],
    argmaxB: [3],
    divergence: null,
    layers: [{ ...layer, splicedProbs: [0.9], splicedArgmax: [3], restores: true, matchesEverywhere: true }],
    lensUnavailable: null,
    restoredAfter: null,
    verdict: 'no divergence',
  };
  assert.deepEqual(reviveBisectReport(good), good);
  assert.match(bisectVerdict(good), /^No divergence: B picks A’s token at every step \(largest \|Δp\| 0\.0000\)$/);
  for (const broken of [
    { ...good, layers: [{ ...good.layers[0], residualError: 'x' }] },
    { ...good, divergence: { step: 0 } },
    { ...good, tokens: [{ id: 3 }] },
    { ...good, verdict: 7 },
    null,
  ])
    assert.equal(reviveBisectReport(broken), undefined, JSON.stringify(broken));
  assert.equal(reviveCompareModels({ a: { path: '/a', variant: '' }, b: { path: '/b' }, text: 't', maxNewTokens: 3 }), undefined);
  assert.equal(
    reviveCompareModels({ a: { path: '/a', variant: '' }, b: { path: '/b', variant: '' }, text: 't', maxNewTokens: 0 }),
    undefined,
  );
  // A comparison whose bisect part is damaged comes back without it; a sound one, with it.
  const side = { label: '/a', model: '/a', generatedText: ' x', steps: 1 };
  const report = {
    format: 'decoder-lens-compare',
    version: 1,
    a: side,
    b: { ...side, label: '/b', model: '/b' },
    vocabulary: null,
    commonPositions: 2,
    sameInput: true,
    firstDifferingStep: null,
    steps: [],
    attention: [],
    lens: null,
    notes: [],
    summary: 'Same generation.',
  };
  const damaged = reviveCompareOpen({ compareId: 'c-1', report, traces: {}, bisect: { ...good, fed: 'x' }, models: { a: 1 } });
  assert.ok(damaged, 'the comparison survives');
  assert.equal(damaged.bisect, undefined);
  assert.equal(damaged.models, undefined);
  assert.deepEqual(reviveCompareOpen(json({ compareId: 'c-1', report, traces: {}, bisect: good }))?.bisect, good);
});
