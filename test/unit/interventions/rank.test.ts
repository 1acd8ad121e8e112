// Head ranking against torch (each head zeroed in turn, the same tokens fed: make_ablation_refs.py's "rank"),
// batched runs equal one-head runs, and each head's score equals a single-head zero-ablation decode.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { parseCommandLine } from '../../../src/cli/main';
import { rankHeadsCommand } from '../../../src/cli/rankHeads';
import { openModel } from '../../../src/core/decode';
import { ablate, ablationSessions, forward, HookedSessions, rankHeads, rankSessions } from '../../../src/core/interventions';
import { fixture } from '../paths';

interface RankCell {
  prob: number;
  drop: number;
}
const refOf = (model: string) =>
  JSON.parse(readFileSync(fixture(model, 'ablation_reference.json'), 'utf8')) as {
    prompt?: string;
    source?: string;
    rank: { step: number; chosen: number; prob: number; heads?: RankCell[][]; self?: RankCell[][]; cross?: RankCell[][] };
  };

const pool: HookedSessions[] = [];
after(() => Promise.all(pool.map((s) => s.clear())));

describe('rank heads', () => {
  for (const name of ['tiny-gpt', 'tiny-t5']) {
    test(`${name}: every head's probability and drop equal torch within 1e-4`, async (t) => {
      const ref = refOf(name);
      const model = await openModel(fixture(name));
      const sessions = rankSessions(model);
      pool.push(sessions);
      const r = await rankHeads(model, sessions, { text: ref.prompt ?? ref.source ?? '', step: ref.rank.step, batch: 3 });
      assert.equal(r.chosen.id, ref.rank.chosen, 'the chosen token');
      assert.ok(Math.abs(r.prob - ref.rank.prob) <= 1e-4, `unablated p ${r.prob} vs torch ${ref.rank.prob}`);
      const expected = ref.rank.heads ? { self: ref.rank.heads } : { self: ref.rank.self!, cross: ref.rank.cross! };
      assert.equal(r.heads.length, Object.values(expected).flat(2).length, 'one score per decoder head');
      let worst = 0;
      for (const h of r.heads) {
        const cell = expected[h.kind as 'self' | 'cross']?.[h.layer]?.[h.head];
        assert.ok(cell, `torch has ${h.kind} ${h.layer}.${h.head}`);
        worst = Math.max(worst, Math.abs(h.prob - cell.prob), Math.abs(h.drop - cell.drop));
        assert.ok(Math.abs(h.drop - cell.drop) <= 1e-4, `${h.kind} ${h.layer}.${h.head}: drop ${h.drop} vs torch ${cell.drop}`);
      }
      for (const f of model.layout.files.filter((x) => x.role !== 'encoder'))
        assert.ok((await sessions.open(f.path, { taps: false })).hooks.lastRowLogits, `${f.role}: logits of the last row only`);
      t.diagnostic(`max |Δ| vs torch over ${r.heads.length} heads: ${worst.toExponential(2)}`);
    });
  }

  test('batched knock-outs (last-row logits) equal one head per run (all rows), and a single-head zero-ablation decode', async () => {
    const ref = refOf('tiny-gpt');
    const model = await openModel(fixture('tiny-gpt'));
    const lastRow = rankSessions(model);
    const allRows = new HookedSessions({ fallbackHeads: model.config.heads ?? null });
    pool.push(lastRow, allRows);
    const text = ref.prompt!;
    const batched = await rankHeads(model, lastRow, { text, step: 0, batch: 8 });
    const single = await rankHeads(model, allRows, { text, step: 0, batch: 1 });
    batched.heads.forEach((h, i) => assert.ok(Math.abs(h.prob - single.heads[i].prob) <= 1e-6, `${h.layer}.${h.head}`));
    const ablation = ablationSessions(model, 'zero');
    pool.push(ablation);
    let compared = 0;
    for (const h of batched.heads) {
      const trace = await ablate(model, ablation, { text, maxNewTokens: 1, heads: [{ layer: h.layer, head: h.head }], mode: 'zero' });
      const g = trace.generated[0];
      const p = g.id === batched.chosen.id ? g.prob : g.top.find((x) => x.id === batched.chosen.id)?.prob;
      if (p === undefined) continue; // the chosen token fell out of the ablated run's top 5
      assert.ok(Math.abs(p - h.prob) <= 1e-5, `${h.layer}.${h.head}: ranked p ${h.prob} vs ablated decode ${p}`);
      compared++;
    }
    assert.ok(compared >= batched.heads.length - 1, `compared ${compared} of ${batched.heads.length} heads`);
  });

  test('CLI: rank-heads --json writes every head with its drop', async () => {
    let out = '';
    const r = await rankHeadsCommand(
      fixture('tiny-gpt'),
      parseCommandLine(['rank-heads', '--model', fixture('tiny-gpt'), '--text', refOf('tiny-gpt').prompt!, '--step', '1']),
      (s) => (out += s),
    );
    assert.equal(r.heads.length, 8);
    assert.match(out, /^Step 1: .* 8 heads knocked out/);
  });
});

describe('last-row logits', () => {
  test('the merged If (both branches) returns [batch, 1, vocab] equal to the untouched last row', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    model.layout = { ...model.layout, files: model.layout.files.filter((f) => f.role === 'decoder-merged') };
    const full = new HookedSessions({ fallbackHeads: 4 });
    const last = rankSessions(model);
    pool.push(full, last);
    const ids = refOf('tiny-gpt').prompt
      ? model.tokenizer.encode(refOf('tiny-gpt').prompt!, { addSpecialTokens: true }).map((t) => t.id)
      : [];
    const a = await forward(model, full, { ids, batch: 2, taps: false });
    const b = await forward(model, last, { ids, batch: 2, taps: false });
    assert.ok(b.session.hooks.lastRowLogits);
    const [B, T, V] = a.outputs.logits.dims;
    assert.deepEqual(b.outputs.logits.dims, [B, 1, V]);
    const x = a.outputs.logits.data as Float32Array;
    const y = b.outputs.logits.data as Float32Array;
    for (let r = 0; r < B; r++)
      for (let v = 0; v < V; v++) assert.ok(Math.abs(x[(r * T + T - 1) * V + v] - y[r * V + v]) <= 1e-5, `row ${r} id ${v}`);
  });
});
