// `decoder-lens trace … --ablate` through the CLI entry: the heads parsed, the JSON output naming what was ablated.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseHeads } from '../../../src/cli/ablate';
import { runCli } from '../../../src/cli/main';
import { DecoderLensError } from '../../../src/core/errors';
import { tmpDir } from '../onnx/helpers';
import { fixture } from '../paths';

describe('ablate CLI', () => {
  test('heads: L.H, cross:L.H and encoder:L.H, counted from 0', () => {
    assert.deepEqual(parseHeads('0.1, 1.3,cross:1.0,encoder:0.2'), [
      { layer: 0, head: 1, kind: 'self' },
      { layer: 1, head: 3, kind: 'self' },
      { layer: 1, head: 0, kind: 'cross' },
      { layer: 0, head: 2, kind: 'encoder' },
    ]);
    assert.throws(
      () => parseHeads('1'),
      (e: unknown) => e instanceof DecoderLensError && /--ablate 1: expected LAYER.HEAD/.test(e.message),
    );
  });

  test('trace --ablate --ablate-mode mean --json records the ablation and matches torch', async () => {
    const ref = JSON.parse(readFileSync(fixture('tiny-gpt', 'ablation_reference.json'), 'utf8')) as {
      prompt: string;
      max_new_tokens: number;
      cases: { heads: { layer: number; head: number }[]; mode: string; greedy: { ids: number[] } }[];
    };
    const c = ref.cases.find((x) => x.mode === 'mean' && x.heads.length === 2)!;
    const json = join(tmpDir(), 'ablated.json');
    const code = await runCli([
      'trace',
      '--model',
      fixture('tiny-gpt'),
      '--text',
      ref.prompt,
      '--max-new-tokens',
      String(ref.max_new_tokens),
      '--ablate',
      c.heads.map((h) => `${h.layer}.${h.head}`).join(','),
      '--ablate-mode',
      'mean',
      '--json',
      json,
    ]);
    assert.equal(code, 0);
    const out = JSON.parse(readFileSync(json, 'utf8')) as { ablation: { mode: string; heads: unknown[] }; generated: { id: number }[] };
    assert.equal(out.ablation.mode, 'mean');
    assert.equal(out.ablation.heads.length, 2);
    assert.deepEqual(
      out.generated.map((g) => g.id),
      c.greedy.ids,
    );
  });
});
