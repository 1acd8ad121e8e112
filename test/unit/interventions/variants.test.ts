// The hooks on the downloaded layouts (make_variants.py): transformers.js' one-file decoder with past inputs and
// external data, its fp16 / int8 / q4 variants, ONNX Runtime GenAI's GroupQueryAttention + MatMulNBits file, and
// the quantized encoder-decoder. At identity every run of a decode returns the untouched file's logits bit for bit;
// ablation on the fp32 and fp16 files (tiny-gpt's weights) matches torch. The sessions are the ones ablation and
// ranking use (head hooks, no residual patches: a Where after a block keeps ONNX Runtime from fusing the residual
// Add into the next SkipLayerNormalization, so with patch hooks a fused graph such as GenAI's rounds differently).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { decode, openModel } from '../../../src/core/decode';
import { SESSION_OPTIONS } from '../../../src/core/decode/sessionCache';
import { type HeadRef, HookedSessions, ablate, ablationSessions } from '../../../src/core/interventions';
import { fixture } from '../paths';

const ref = JSON.parse(readFileSync(fixture('tiny-gpt', 'ablation_reference.json'), 'utf8')) as {
  prompt: string;
  max_new_tokens: number;
  cases: { heads: Required<HeadRef>[]; mode: 'zero' | 'mean'; greedy: { ids: number[]; probs: number[] } }[];
};

const pool: HookedSessions[] = [];
after(() => Promise.all(pool.map((s) => s.clear())));

const layouts: [string, string, string][] = [
  ['tiny-gpt-tjs', '', 'copy: the red fox saw a big moon ='],
  ['tiny-gpt-tjs', 'fp16', 'copy: the red fox saw a big moon ='],
  ['tiny-gpt-tjs', 'int8', 'copy: the red fox saw a big moon ='],
  ['tiny-gpt-tjs', 'q4', 'copy: the red fox saw a big moon ='],
  ['tiny-gpt-genai', '', 'copy: the red fox saw a big moon ='],
  ['tiny-gpt-gqa-lengths', '', 'copy: the red fox saw a big moon ='],
  ['tiny-gpt-genai-names', '', 'copy: the red fox saw a big moon ='],
  ['tiny-t5-quantized', 'quantized', 'the red fox saw a big moon'],
];

describe('hooks at identity on downloaded layouts', () => {
  for (const [dir, variant, text] of layouts) {
    test(`${dir}${variant ? ` (${variant})` : ''}: every decode run returns the untouched file's logits bit for bit`, async () => {
      const model = await openModel(fixture(dir), variant);
      const runs: { file: string; feeds: Record<string, ort.Tensor>; logits: ort.Tensor }[] = [];
      const sessions = new HookedSessions({
        fallbackHeads: model.config.heads ?? null,
        residualPatches: false,
        onRun: (session, feeds, outputs) => {
          const own = Object.fromEntries(Object.entries(feeds).filter(([name]) => !name.startsWith('decoder_lens.')));
          if (outputs.logits) runs.push({ file: session.file, feeds: own, logits: outputs.logits });
        },
      });
      pool.push(sessions);
      await decode(model, sessions, { text, maxNewTokens: 4, taps: false });
      for (const f of model.layout.files) {
        const hooks = (await sessions.open(f.path, { taps: false })).hooks;
        assert.ok(hooks.heads.length >= 2 && hooks.unavailable.length === 0, `${f.role}: every attention layer hooked`);
      }
      assert.ok(runs.length >= 4, 'the prefill and the cached steps ran');
      const plain = new Map<string, ort.InferenceSession>();
      try {
        for (const run of runs) {
          if (!plain.has(run.file)) plain.set(run.file, await ort.InferenceSession.create(run.file, SESSION_OPTIONS));
          const want = (await plain.get(run.file)!.run(run.feeds)).logits;
          assert.deepEqual(run.logits.dims, want.dims);
          assert.deepEqual(run.logits.data, want.data, `${run.file}: logits bit for bit`);
        }
      } finally {
        for (const s of plain.values()) await s.release();
      }
    });
  }
});

describe('ablation on the transformers.js layout against torch (tiny-gpt weights)', () => {
  // fp16 rounds every weight and activation to 11 significant bits: the same tokens, probabilities within 2e-3.
  for (const [variant, tolerance] of [
    ['', 1e-4],
    ['fp16', 2e-3],
  ] as const) {
    test(`onnx/model${variant ? `_${variant}` : ''}.onnx: greedy tokens equal torch, probabilities within ${tolerance}`, async () => {
      const model = await openModel(fixture('tiny-gpt-tjs'), variant);
      const sessions = ablationSessions(model, 'mean');
      pool.push(sessions);
      for (const c of ref.cases) {
        const trace = await ablate(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, heads: c.heads, mode: c.mode });
        assert.deepEqual(
          trace.generated.map((g) => g.id),
          c.greedy.ids,
          `${c.mode} ${JSON.stringify(c.heads)}`,
        );
        trace.generated.forEach((g, i) =>
          assert.ok(Math.abs(g.prob - c.greedy.probs[i]) <= tolerance, `step ${i}: ${g.prob} vs ${c.greedy.probs[i]}`),
        );
      }
    });
  }
});

describe('ablation through GroupQueryAttention plumbing (the same int4 weights three ways)', () => {
  test('lengths as graph inputs and GenAI input names give the same ablated runs as the GenAI folder, zero and mean', async () => {
    const run = async (dir: string) => {
      const model = await openModel(fixture(dir));
      const sessions = ablationSessions(model, 'mean');
      pool.push(sessions);
      const traces = [];
      for (const c of ref.cases)
        traces.push(await ablate(model, sessions, { text: ref.prompt, maxNewTokens: ref.max_new_tokens, heads: c.heads, mode: c.mode }));
      return traces;
    };
    const base = await run('tiny-gpt-genai');
    for (const dir of ['tiny-gpt-gqa-lengths', 'tiny-gpt-genai-names']) {
      const other = await run(dir);
      other.forEach((t, i) => {
        assert.deepEqual(
          t.generated.map((g) => g.id),
          base[i].generated.map((g) => g.id),
          `${dir} case ${i}`,
        );
        t.generated.forEach((g, j) => assert.ok(Math.abs(g.prob - base[i].generated[j].prob) <= 1e-6, `${dir} case ${i} step ${j}`));
      });
    }
  });
});
