// Head ablation (zero and mean) against torch: the same heads ablated in the PyTorch model the fixtures were
// exported from (test/fixtures/make_ablation_refs.py, ablation_reference.json beside each model) give the same
// greedy tokens and probabilities within 1e-4, with and without the KV cache, through the split files and the
// merged If (tiny-gpt), and on decoder self and cross heads (tiny-t5).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { openModel } from '../../../src/core/decode';
import { type HeadRef, ablate, ablationSessions } from '../../../src/core/interventions';
import { DecoderLensError } from '../../../src/core/errors';
import { fixture } from '../paths';

interface Greedy {
  ids: number[];
  probs: number[];
}
interface AblationCase {
  heads: Required<HeadRef>[];
  mode: 'zero' | 'mean';
  greedy: Greedy;
}
interface AblationReference {
  prompt?: string;
  source?: string;
  max_new_tokens: number;
  cases: AblationCase[];
}

const refOf = (model: string) => JSON.parse(readFileSync(fixture(model, 'ablation_reference.json'), 'utf8')) as AblationReference;

async function openWith(name: string, files: string[]) {
  const model = await openModel(fixture(name));
  model.layout = { ...model.layout, files: model.layout.files.filter((f) => files.some((file) => f.path.endsWith(file))) };
  return model;
}

const label = (c: AblationCase) =>
  `${c.mode} ${c.heads.map((h) => `${h.kind === 'self' ? '' : `${h.kind} `}${h.layer}.${h.head}`).join(', ')}`;

const setups = {
  'tiny-gpt': {
    'decoder + decoder_with_past (KV cache)': { files: ['decoder_model.onnx', 'decoder_with_past_model.onnx'], useCache: true },
    'decoder_model.onnx, full recompute': { files: ['decoder_model.onnx'], useCache: false },
    'merged If (KV cache)': { files: ['decoder_model_merged.onnx'], useCache: true },
    'merged If, full recompute': { files: ['decoder_model_merged.onnx'], useCache: false },
  },
  'tiny-t5': {
    'encoder + decoder + decoder_with_past (KV cache)': {
      files: ['encoder_model.onnx', 'decoder_model.onnx', 'decoder_with_past_model.onnx'],
      useCache: true,
    },
    'encoder + decoder, full recompute': { files: ['encoder_model.onnx', 'decoder_model.onnx'], useCache: false },
  },
};

for (const [name, layouts] of Object.entries(setups)) {
  const ref = refOf(name);
  describe(`head ablation against torch (${name})`, () => {
    for (const [layoutName, layout] of Object.entries(layouts)) {
      test(`${layoutName}: every case's greedy tokens equal torch, probabilities within 1e-4`, async (t) => {
        const model = await openWith(name, layout.files);
        const sessions = ablationSessions(model, 'mean');
        try {
          let worst = 0;
          for (const c of ref.cases) {
            const trace = await ablate(model, sessions, {
              text: ref.prompt ?? ref.source ?? '',
              maxNewTokens: ref.max_new_tokens,
              useCache: layout.useCache,
              heads: c.heads,
              mode: c.mode,
            });
            assert.deepEqual(
              trace.generated.map((g) => g.id),
              c.greedy.ids,
              `${label(c)}: greedy tokens`,
            );
            trace.generated.forEach((g, i) => {
              const diff = Math.abs(g.prob - c.greedy.probs[i]);
              worst = Math.max(worst, diff);
              assert.ok(diff <= 1e-4, `${label(c)} step ${i}: p ${g.prob} vs torch ${c.greedy.probs[i]}`);
            });
            assert.deepEqual(trace.ablation?.heads, c.heads, 'the trace records the ablated heads');
            assert.equal(trace.ablation?.mode, c.mode);
          }
          t.diagnostic(`max |p − p_torch| over ${ref.cases.length} cases: ${worst.toExponential(2)}`);
        } finally {
          await sessions.clear();
        }
      });
    }
  });
}

describe('head ablation: bad input', () => {
  const sessions: ReturnType<typeof ablationSessions>[] = [];
  after(() => Promise.all(sessions.map((s) => s.clear())));
  const attempt = async (heads: HeadRef[]) => {
    const model = await openModel(fixture('tiny-gpt'));
    const s = ablationSessions(model, 'zero');
    sessions.push(s);
    return ablate(model, s, { text: 'copy: red cat =', maxNewTokens: 2, heads, mode: 'zero' });
  };
  const rejects = (heads: HeadRef[], message: RegExp) =>
    assert.rejects(attempt(heads), (e: unknown) => e instanceof DecoderLensError && e.code === 'bad-input' && message.test(e.message));

  test('a layer the model does not have is named, with the layers it has', () => rejects([{ layer: 5, head: 0 }], /Layer 5 .* 0, 1/));
  test('a head past the last is named, with the range', () => rejects([{ layer: 1, head: 4 }], /Head 4 of self layer 1: .* 0 to 3/));
  test('cross heads in a decoder-only model are refused', () => rejects([{ layer: 0, head: 0, kind: 'cross' }], /no cross attention/));
  test('no heads at all is refused', () => rejects([], /No heads/));
});
