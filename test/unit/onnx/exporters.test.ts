// Exporters other than our own fixture script: torch.nn.Transformer (TorchScript), dynamo-style names, and a
// sliding-window pair. Expected tensors are what a person reading each graph would list; numbers come from torch.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { tapsCommand } from '../../../src/cli/taps';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { assertAttention, assertGreedy, reference, type Greedy, type RefAttention } from '../decode/reference';
import { fixture } from '../paths';

interface Seq2SeqReference {
  source: string;
  input_ids: number[];
  expected_text: string;
  max_new_tokens: number;
  greedy: Greedy;
  decoder_input_ids: number[];
  attention: RefAttention[];
  masked: { encoder_attention_mask: number[]; greedy: Greedy; attention: RefAttention[] };
  second: Omit<Seq2SeqReference, 'second'>;
}

const sessions = new SessionCache();
after(() => sessions.clear());

type Row = [file: string, id: string, layer: number, kind: string, heads: number | null, basis: string];

async function tapRows(model: string): Promise<Row[]> {
  const json = await tapsCommand(fixture(model));
  return json.files.flatMap((f) =>
    f.attention.map((a): Row => [f.file, a.id, a.layer, a.kind, a.heads, `${a.inferred.kind}/${a.inferred.layer}`]),
  );
}

describe('torch.nn.Transformer encoder-decoder (nn.MultiheadAttention, TorchScript export)', () => {
  test('taps: self and cross of each decoder block share its layer, cross found by structure, 4 heads each', async () => {
    // Each decoder layer has self_attn then multihead_attn (cross: K/V projected from encoder_hidden_states with a
    // weight sliced from the packed in_proj_weight at run time); the encoder has two self-attention layers.
    assert.deepEqual(await tapRows('tiny-nn-transformer'), [
      ['decoder_model.onnx', 'attn.self.0', 0, 'self', 4, 'structure/structure'],
      ['decoder_model.onnx', 'attn.cross.0', 0, 'cross', 4, 'structure/structure'],
      ['decoder_model.onnx', 'attn.self.1', 1, 'self', 4, 'structure/structure'],
      ['decoder_model.onnx', 'attn.cross.1', 1, 'cross', 4, 'structure/structure'],
      ['encoder_model.onnx', 'attn.self.0', 0, 'self', 4, 'structure/structure'],
      ['encoder_model.onnx', 'attn.self.1', 1, 'self', 4, 'structure/structure'],
    ]);
  });

  const ref = reference<Seq2SeqReference>('tiny-nn-transformer');
  for (const r of [ref, ref.second]) {
    test(`decode "${r.source}": greedy tokens, probabilities and per-head encoder/self/cross attention equal torch`, async () => {
      const model = await openModel(fixture('tiny-nn-transformer'));
      const trace = await decode(model, sessions, { text: r.source, maxNewTokens: r.max_new_tokens });
      assert.deepEqual(
        trace.input.tokens.map((t) => t.id),
        r.input_ids,
      );
      assertGreedy(trace, r.greedy);
      assert.equal(
        model.tokenizer
          .decode(
            trace.generated.map((g) => g.id),
            { skipSpecialTokens: true },
          )
          .trim(),
        r.expected_text,
      );
      assertAttention(trace.attention, r.attention);
    });
  }

  test('hidden source tokens: torch with the same encoder_attention_mask, and cross attention never reads them', async () => {
    const model = await openModel(fixture('tiny-nn-transformer'));
    const trace = await decode(model, sessions, {
      text: ref.source,
      maxNewTokens: ref.max_new_tokens,
      attentionMask: ref.masked.encoder_attention_mask,
    });
    assertGreedy(trace, ref.masked.greedy);
    assertAttention(trace.attention, ref.masked.attention);
    const cross = trace.masks.filter((m) => m.kind === 'cross');
    assert.equal(cross.length, 2, 'the applied cross mask of both layers is captured');
    for (const m of cross)
      for (let q = 0; q < m.queries; q++)
        ref.masked.encoder_attention_mask.forEach((v, k) => assert.equal(m.visible[q * m.keys + k], v, `cross ${m.layer} [${q}, ${k}]`));
  });
});

describe('dynamo-style names (generic node names, scopes only in pkg.torch.onnx.name_scopes)', () => {
  test('taps: the same two self-attention layers as tiny-gpt, by structure', async () => {
    assert.deepEqual(await tapRows('tiny-gpt-dynamo'), [
      ['decoder_model.onnx', 'attn.self.0', 0, 'self', 4, 'structure/structure'],
      ['decoder_model.onnx', 'attn.self.1', 1, 'self', 4, 'structure/structure'],
    ]);
    const json = await tapsCommand(fixture('tiny-gpt-dynamo'));
    assert.deepEqual(
      json.files[0].hiddenStates.map((h) => h.layer),
      [0, 1],
    );
  });

  test("decodes as tiny-gpt does in torch (it is tiny-gpt's graph renamed)", async () => {
    const r = reference<{ prompt: string; max_new_tokens: number; greedy: Greedy; attention: RefAttention[] }>('tiny-gpt-dynamo');
    const model = await openModel(fixture('tiny-gpt-dynamo'));
    const trace = await decode(model, sessions, { text: r.prompt, maxNewTokens: r.max_new_tokens });
    assertGreedy(trace, r.greedy);
    assertAttention(trace.attention, r.attention);
  });
});

describe('sliding window built in the graph', () => {
  test('taps: the band is part of the effective mask', async () => {
    const json = await tapsCommand(fixture('tiny-gpt-window'));
    assert.deepEqual(
      json.files[0].attention.map((a) => [a.id, a.kind, a.heads]),
      [
        ['attn.self.0', 'self', 4],
        ['attn.self.1', 'self', 4],
      ],
    );
  });

  test('the captured mask is the band: query q sees key k iff 0 <= q - k < 4', async () => {
    const model = await openModel(fixture('tiny-gpt-window'));
    const trace = await decode(model, sessions, { text: 'copy: the red fox saw a big moon =', maxNewTokens: 2 });
    const self = trace.masks.filter((m) => m.kind === 'self');
    assert.equal(self.length, 2);
    for (const m of self)
      for (let q = 0; q < m.queries; q++)
        for (let k = 0; k < m.keys; k++)
          assert.equal(m.visible[q * m.keys + k], k <= q && q - k < 4 ? 1 : 0, `layer ${m.layer} [${q}, ${k}]`);
  });
});

describe('every committed fixture: kinds and layers from structure', () => {
  const expected: Record<string, string[]> = {
    'tiny-gpt': ['self.0', 'self.1'],
    'tiny-t5': ['self.0', 'cross.0', 'self.1', 'cross.1'],
    'tiny-nn-transformer': ['self.0', 'cross.0', 'self.1', 'cross.1'],
  };
  const models = [
    'tiny-gpt',
    'tiny-gpt-dynamo',
    'tiny-gpt-finetuned',
    'tiny-gpt-ignores-mask',
    'tiny-gpt-kv-upper-left',
    'tiny-gpt-no-causal',
    'tiny-gpt-positions-from-mask',
    'tiny-gpt-positions-ignore-padding',
    'tiny-gpt-tjs',
    'tiny-gpt-window',
    'tiny-gpt-window-ignored',
    'tiny-nn-transformer',
    'tiny-t5',
    'tiny-t5-cross-reads-padding',
    'tiny-t5-quantized',
  ];
  for (const model of models) {
    test(model, async () => {
      const json = await tapsCommand(fixture(model));
      for (const f of json.files) {
        assert.equal(f.error, undefined);
        const family = /t5/.test(model) ? 'tiny-t5' : /nn-transformer/.test(model) ? 'tiny-nn-transformer' : 'tiny-gpt';
        const want = f.role === 'encoder' ? ['self.0', 'self.1'] : expected[family];
        assert.deepEqual(
          f.attention.map((a) => `${a.kind}.${a.layer}`),
          want,
          `${model}/${f.file}`,
        );
        for (const a of f.attention) {
          assert.deepEqual(a.inferred, { kind: 'structure', layer: 'structure' }, `${model}/${f.file} ${a.id}`);
          assert.equal(a.heads, 4);
        }
      }
    });
  }
});
