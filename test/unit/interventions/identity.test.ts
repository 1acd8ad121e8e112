// The intervention hooks at identity (gate 1, mean 0, no patch) leave the logits bit-identical to the untouched
// model, in every fixture layout: tiny-gpt split (no past, with past), merged If (both branches), tiny-t5
// encoder, decoder and decoder with past (self and cross attention). Real ONNX Runtime on the committed files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { SESSION_OPTIONS } from '../../../src/core/decode/sessionCache';
import { HookedSessions } from '../../../src/core/interventions';
import { fixture } from '../paths';

interface TensorCase {
  dtype: 'int64' | 'float32' | 'bool';
  dims: number[];
  data: number[] | boolean[];
}
interface CheckCase {
  file: string;
  inputs: Record<string, TensorCase>;
}

function tensor(t: TensorCase): ort.Tensor {
  if (t.dtype === 'int64') return new ort.Tensor('int64', BigInt64Array.from((t.data as number[]).map((v) => BigInt(v))), t.dims);
  if (t.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from((t.data as boolean[]).map((v) => (v ? 1 : 0))), t.dims);
  return new ort.Tensor('float32', Float32Array.from(t.data as number[]), t.dims);
}

const sessions = new HookedSessions({ fallbackHeads: 4 });
after(() => sessions.clear());

for (const model of ['tiny-gpt', 'tiny-t5']) {
  const cases = (JSON.parse(readFileSync(fixture(model, 'check.json'), 'utf8')) as { cases: CheckCase[] }).cases;
  describe(`hooks at identity: ${model}`, () => {
    cases.forEach((c, i) => {
      test(`${c.file} (case ${i}: ${Object.keys(c.inputs).length} inputs) returns the untouched model's logits bit for bit`, async () => {
        const path = fixture(model, c.file);
        const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, tensor(v)]));
        const plain = await ort.InferenceSession.create(path, SESSION_OPTIONS);
        const hooked = await sessions.open(path, { taps: false });
        assert.ok(hooked.hooks.heads.length > 0, 'the attention layers are hooked');
        assert.deepEqual(hooked.hooks.unavailable, []);
        assert.equal(hooked.hooks.patches.length, 2, 'a residual patch per layer');
        assert.deepEqual(
          hooked.session.inputNames.filter((n) => n.startsWith('decoder_lens.')),
          [],
          'hook inputs are hidden from the decode loop',
        );
        const want = await plain.run(feeds);
        const got = await hooked.session.run(feeds);
        const name = plain.outputNames[0];
        const a = got[name].data as Float32Array;
        const b = want[name].data as Float32Array;
        assert.deepEqual(got[name].dims, want[name].dims);
        let differing = 0;
        for (let j = 0; j < a.length; j++) if (!Object.is(a[j], b[j])) differing++;
        assert.equal(differing, 0, `${name}: ${differing} of ${a.length} values differ`);
        await plain.release();
      });
    });
  });
}
