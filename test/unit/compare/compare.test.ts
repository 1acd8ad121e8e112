import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { compareTokenizerFiles, compareTraces, compareVocabs, formatReport, jsd, readVocab } from '../../../src/core/compare';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { assertClose, reference } from '../decode/reference';
import { fixture } from '../paths';

interface FinetunedReference {
  prompt: string;
  max_new_tokens: number;
  greedy: { ids: number[]; probs: number[] };
  base_greedy_ids: number[];
  first_differing_step: number;
  common_positions: number;
  base_token_probs: { steps: number; base: number[]; finetuned: number[] };
  attention_jsd: { layer: number; kind: 'self'; heads: number[] }[];
}

const FINETUNED = fixture('tiny-gpt-finetuned');
assert.ok(
  existsSync(FINETUNED),
  `fixture ${FINETUNED} is missing: run /usr/bin/python3 test/fixtures/make_finetuned.py (after make_fixtures.py)`,
);
const ref = reference<FinetunedReference>('tiny-gpt-finetuned');
const sessions = new SessionCache();
after(() => sessions.clear());

/** tiny-gpt or its fine-tuned variant, decoded with KV cache (decoder + with-past files) and the lens. */
async function run(name: string) {
  const model = await openModel(fixture(name));
  model.layout = { ...model.layout, files: model.layout.files.filter((f) => !f.path.endsWith('merged.onnx')) };
  const trace = await decode(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, lens: { rows: 'last', k: 10 } });
  return { trace, lens: trace.lens! };
}

describe('comparing two models on the same input', () => {
  test('a model compared with itself: zero everywhere', async () => {
    const [a, b] = [await run('tiny-gpt'), await run('tiny-gpt')];
    const report = compareTraces(
      { trace: a.trace, label: 'A', lens: a.lens },
      { trace: b.trace, label: 'B', lens: b.lens },
      compareTokenizerFiles(fixture('tiny-gpt'), fixture('tiny-gpt')),
    );
    assert.equal(report.firstDifferingStep, null);
    assert.equal(report.commonPositions, a.trace.positions.length);
    assert.equal(report.attention.length, 2);
    for (const l of report.attention) l.heads.forEach((d, h) => assert.equal(d, 0, `layer ${l.layer} head ${h}`));
    for (const s of report.steps) assert.equal(s.delta, 0, `step ${s.step}`);
    assert.deepEqual(report.lens!.meanAbsDelta, [0, 0]);
    assert.match(report.summary, /^Same generation; next-token probabilities unchanged; attention divergence 0 in every layer and head\.$/);
  });

  test('base vs fine-tuned: the generations part where torch says, with torch’s attention divergence', async () => {
    const [a, b] = [await run('tiny-gpt'), await run('tiny-gpt-finetuned')];
    assert.deepEqual(
      a.trace.generated.map((g) => g.id),
      ref.base_greedy_ids,
    );
    assert.deepEqual(
      b.trace.generated.map((g) => g.id),
      ref.greedy.ids,
    );
    const vocabulary = compareTokenizerFiles(fixture('tiny-gpt'), FINETUNED);
    assert.equal(vocabulary.same, true);
    const report = compareTraces(
      { trace: a.trace, label: 'base', lens: a.lens },
      { trace: b.trace, label: 'fine-tuned', lens: b.lens },
      vocabulary,
    );
    assert.equal(report.firstDifferingStep, ref.first_differing_step);
    assert.equal(report.commonPositions, ref.common_positions);
    for (const expected of ref.attention_jsd) {
      const got = report.attention.find((l) => l.layer === expected.layer && l.kind === expected.kind)!;
      assert.equal(got.rows, ref.common_positions);
      expected.heads.forEach((d, h) => assertClose(got.heads[h], d, 1e-4, `layer ${expected.layer} head ${h} JSD`));
      assert.ok(got.mean > 0.01, 'non-zero divergence');
    }
    for (let s = 0; s < ref.base_token_probs.steps; s++) {
      const step = report.steps[s];
      assert.equal(step.sameContext, true);
      assertClose(step.a.prob, ref.base_token_probs.base[s], 1e-4, `step ${s}: A's probability of its token`);
      assertClose(step.bOfA!, ref.base_token_probs.finetuned[s], 1e-4, `step ${s}: B's probability of A's token`);
    }
    assert.equal(report.steps[ref.first_differing_step + 1].sameContext, false);
    assert.equal(report.steps[ref.first_differing_step + 1].delta, null, 'no delta once the contexts differ');
    assert.ok(report.lens!.meanAbsDelta.some((d) => d > 0));
    assert.match(
      report.summary,
      /^Generations part at step 6 \(A " big" p=.*, B " moon" p=.*\); next-token probabilities move by up to -0\.0\d+ \(step \d\); attention changes most in layer 1 /,
    );
    const text = formatReport(report);
    assert.match(text, /← part here/);
    assert.match(text, /layer 1 self/);
  });

  test('different vocabularies are named, and tokens are then compared by text', async () => {
    const vocab = compareTokenizerFiles(fixture('tiny-gpt'), fixture('tiny-t5'));
    assert.equal(vocab.same, false);
    assert.match(vocab.note, /^The vocabularies differ \(A 336 tokens, B 357;/);
    const gpt = readVocab(fixture('tiny-gpt'));
    const moved = new Map(gpt);
    moved.set('Ġthe', 5);
    moved.set('Ġextra', 400);
    const c = compareVocabs(gpt, moved);
    assert.deepEqual({ moved: c.moved, onlyA: c.onlyA, onlyB: c.onlyB }, { moved: 1, onlyA: 0, onlyB: 1 });
    assert.deepEqual(c.examples, ['"Ġthe" is id 312 in A, 5 in B', '"Ġextra" (id 400) only in B']);
    const { trace } = await run('tiny-gpt');
    const report = compareTraces({ trace, label: 'A' }, { trace, label: 'B' }, c);
    assert.equal(report.firstDifferingStep, null, 'the same tokens by text');
    assert.match(report.summary, /^Vocabularies differ \(tokens compared by text\); Same generation/);
  });

  test('Jensen-Shannon divergence in bits', () => {
    assert.equal(jsd([0.2, 0.8], 0, [0.2, 0.8], 0, 2), 0);
    assertClose(jsd([1, 0], 0, [0, 1], 0, 2), 1, 1e-12, 'disjoint');
    assertClose(
      jsd([2, 0, 0], 0, [0.5, 0.5, 0], 0, 3),
      0.5 * Math.log2(4 / 3) + 0.25 * Math.log2(2 / 3) + 0.25 * 1,
      1e-12,
      'renormalised rows',
    );
    assert.ok(Number.isNaN(jsd([0, 0], 0, [1, 0], 0, 2)), 'an empty row has no divergence');
  });
});
