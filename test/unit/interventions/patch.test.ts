// The residual-stream patch hook against torch: the clean prompt's residual after block L at position p written
// into the corrupted prompt's run (Where(patch_mask, patch_value, residual)) gives the same probability of the
// clean next token as torch, for every (L, p); one batched run per layer, one batch item per position. The
// clean residual is read from the hooked model's own hidden-state taps.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { openModel } from '../../../src/core/decode';
import { join } from 'node:path';
import { parseCommandLine } from '../../../src/cli/main';
import { patchCommand } from '../../../src/cli/patch';
import { DecoderLensError } from '../../../src/core/errors';
import { forward, HookedSessions, patchSweep } from '../../../src/core/interventions';
import { tmpDir } from '../onnx/helpers';
import { fixture } from '../paths';

const ref = (
  JSON.parse(readFileSync(fixture('tiny-gpt', 'ablation_reference.json'), 'utf8')) as {
    patch: { clean_ids: number[]; corrupt_ids: number[]; target: number; probs: number[][]; logprobs: number[][] };
  }
).patch;

const pool: HookedSessions[] = [];
after(() => Promise.all(pool.map((s) => s.clear())));

/** log p(id) at the last position of each batch row. */
function lastLogProbs(logits: ort.Tensor, rows: number, id: number): number[] {
  const V = logits.dims[logits.dims.length - 1];
  const data = logits.data as Float32Array;
  const perRow = data.length / rows;
  return Array.from({ length: rows }, (_, b) => {
    const row = data.subarray(b * perRow + perRow - V, b * perRow + perRow);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    return row[id] - max - Math.log(sum);
  });
}

describe('residual patch hook against torch (tiny-gpt)', () => {
  for (const file of ['decoder_model.onnx', 'decoder_model_merged.onnx']) {
    test(`${file}: every (layer, position) patch gives torch's p(clean token) within 1e-4`, async (t) => {
      const model = await openModel(fixture('tiny-gpt'));
      model.layout = { ...model.layout, files: model.layout.files.filter((f) => f.path.endsWith(file)) };
      const sessions = new HookedSessions({ fallbackHeads: 4 });
      pool.push(sessions);
      const clean = await forward(model, sessions, { ids: ref.clean_ids, batch: 1, taps: true });
      const T = ref.corrupt_ids.length;
      let worst = 0;
      for (const patch of clean.session.hooks.patches) {
        const tap = clean.session.taps.find((x) => x.tap === 'hidden' && x.layer === patch.layer);
        assert.ok(tap, `hidden-state tap of layer ${patch.layer}`);
        const residual = clean.outputs[tap.output];
        const D = residual.dims[residual.dims.length - 1];
        const mask = new Uint8Array(T * T);
        const value = new Float32Array(T * T * D);
        for (let b = 0; b < T; b++) {
          mask[b * T + b] = 1;
          value.set(residual.data as Float32Array, b * T * D);
        }
        sessions.feeds = {
          [patch.mask]: new ort.Tensor('bool', mask, [T, T, 1]),
          [patch.value]: new ort.Tensor('float32', value, [T, T, D]),
        };
        const run = await forward(model, sessions, { ids: ref.corrupt_ids, batch: T, taps: false });
        sessions.feeds = {};
        lastLogProbs(run.outputs.logits, T, ref.target).forEach((lp, p) => {
          const want = ref.probs[patch.layer][p];
          worst = Math.max(worst, Math.abs(Math.exp(lp) - want));
          assert.ok(Math.abs(Math.exp(lp) - want) <= 1e-4, `layer ${patch.layer} position ${p}: p ${Math.exp(lp)} vs torch ${want}`);
          assert.ok(Math.abs(lp - ref.logprobs[patch.layer][p]) <= 1e-3, `layer ${patch.layer} position ${p}: log p ${lp}`);
        });
      }
      assert.equal(clean.session.hooks.patches.length, ref.probs.length, 'a patch hook per layer');
      t.diagnostic(`max |p − p_torch| over ${ref.probs.length} layers × ${T} positions: ${worst.toExponential(2)}`);
    });
  }
});

describe('patchSweep and the patch command', () => {
  test('every (layer, position) equals torch within 1e-4; the CLI writes the sweep as JSON', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    const text = (ids: number[]) => model.tokenizer.decode(ids, { skipSpecialTokens: false });
    const sweep = await patchSweep(model, null, { cleanText: text(ref.clean_ids), corruptText: text(ref.corrupt_ids), batch: 4 });
    assert.deepEqual(sweep.cleanIds, ref.clean_ids);
    assert.deepEqual(sweep.corruptIds, ref.corrupt_ids);
    assert.equal(sweep.target.id, ref.target);
    const T = ref.clean_ids.length;
    ref.probs.forEach((row, l) =>
      row.forEach((want, p) =>
        assert.ok(Math.abs(sweep.probs[l * T + p] - want) <= 1e-4, `layer ${l} position ${p}: ${sweep.probs[l * T + p]} vs torch ${want}`),
      ),
    );
    // Patching the last layer at the last position gives the clean run's own residual there: all of it comes back.
    assert.ok(Math.abs(sweep.recovered[(sweep.layers.length - 1) * T + T - 1] - 1) < 1e-4);
    const json = join(tmpDir(), 'patch.json');
    let out = '';
    const args = parseCommandLine([
      'patch',
      '--model',
      fixture('tiny-gpt'),
      '--clean-text',
      text(ref.clean_ids),
      '--corrupt-text',
      text(ref.corrupt_ids),
    ]);
    await patchCommand(fixture('tiny-gpt'), args, (s) => (out += s));
    assert.match(out, /^Target .* 2 layers × 11 positions patched/);
    await patchCommand(
      fixture('tiny-gpt'),
      parseCommandLine([
        ...['patch', '--model', fixture('tiny-gpt')],
        '--clean-text',
        text(ref.clean_ids),
        '--corrupt-text',
        text(ref.corrupt_ids),
        '--json',
        json,
      ]),
    );
    const written = JSON.parse(readFileSync(json, 'utf8')) as { probs: number[][]; target: { id: number } };
    assert.equal(written.target.id, ref.target);
    assert.equal(written.probs.length, 2);
    assert.equal(written.probs[0].length, T);
  });

  test('inputs of different token lengths are refused, naming both lengths', async () => {
    const model = await openModel(fixture('tiny-gpt'));
    await assert.rejects(
      patchSweep(model, null, { cleanText: 'copy: red cat =', corruptText: 'copy: red =' }),
      (e: unknown) => e instanceof DecoderLensError && /clean text is \d+ tokens and the corrupted text \d+/.test(e.message),
    );
  });
});
