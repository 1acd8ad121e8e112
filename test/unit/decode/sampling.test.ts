import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { chooseToken, seededRandom, softmax, topK } from '../../../src/core/decode/sampling';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { fixture } from '../paths';

const sessions = new SessionCache();
after(() => sessions.clear());

describe('sampling', () => {
  test('softmax is a distribution and keeps the order of the logits', () => {
    const p = softmax([1, 3, 2, -1000]);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    assert.ok(p[1] > p[2] && p[2] > p[0] && p[3] === 0);
  });

  test('top-k returns the k most likely, most likely first', () => {
    assert.deepEqual(
      topK([0.1, 0.5, 0.05, 0.3, 0.05], 3).map((t) => t.id),
      [1, 3, 0],
    );
  });

  test('top-k sampling never picks outside the k most likely; top-p stays inside the nucleus', () => {
    const logits = [5, 4, 3, 0, -1, -2];
    const random = seededRandom(7);
    for (let i = 0; i < 500; i++) {
      assert.ok(chooseToken(logits, { strategy: 'top-k', topK: 2, topP: 1, temperature: 1, seed: 0 }, random) <= 1);
      // p ≈ [.66, .24, .09, …]: a nucleus of 0.8 holds the first two.
      assert.ok(chooseToken(logits, { strategy: 'top-p', topK: 50, topP: 0.8, temperature: 1, seed: 0 }, random) <= 1);
    }
  });

  test('a high temperature spreads choices; greedy ignores the generator', () => {
    const logits = [2, 1.5, 1];
    const random = seededRandom(1);
    const picks = new Set(
      Array.from({ length: 200 }, () => chooseToken(logits, { strategy: 'top-k', topK: 3, topP: 1, temperature: 5, seed: 0 }, random)),
    );
    assert.equal(picks.size, 3);
    assert.equal(
      chooseToken(logits, { strategy: 'greedy', topK: 3, topP: 1, temperature: 5, seed: 0 }, () => 0.99),
      0,
    );
  });

  test('seeded decoding is reproducible, and the seed matters', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const run = (seed: number) =>
      decode(model, sessions, {
        text: 'copy: the red cat =',
        maxNewTokens: 12,
        sampling: { strategy: 'top-k', topK: 50, topP: 1, temperature: 3, seed },
      });
    const ids = async (seed: number) => (await run(seed)).generated.map((g) => g.id).join(',');
    const first = await ids(11);
    assert.equal(await ids(11), first, 'the same seed gives the same tokens');
    const others = await Promise.all([12, 13, 14, 15].map(ids));
    assert.ok(
      others.some((o) => o !== first),
      'different seeds give different samples at temperature 3',
    );
  });

  test('shown probabilities are the raw softmax, not the tempered one', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const greedy = await decode(model, sessions, { text: 'copy: the red cat =', maxNewTokens: 1 });
    const tempered = await decode(model, sessions, {
      text: 'copy: the red cat =',
      maxNewTokens: 1,
      sampling: { strategy: 'top-k', topK: 1, topP: 1, temperature: 4, seed: 0 },
    });
    assert.equal(tempered.generated[0].id, greedy.generated[0].id);
    assert.ok(Math.abs(tempered.generated[0].prob - greedy.generated[0].prob) < 1e-7);
  });
});
