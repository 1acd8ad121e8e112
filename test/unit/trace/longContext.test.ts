// Long context, scaled to a test: a generated random-weight decoder (2 layers × 4 heads, 1,000+ positions) under a
// capture cap a per-head float32 capture would pass. The capture keeps every head as 16- or 8-bit codes within
// the cap, says so in trace.dropped with the precision, and its values match a float32 run of the same decode
// within that precision; its --json output streams to disk and parses. (The full 24 × 16 × 1,024, T = 4,096
// model is the bench's: `npm run bench long`.)
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statfsSync, statSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { GptSpec } from '../../../bench/graph/gptGraph';
import { ensureGpt2Folder } from '../../../bench/models/gpt2';
import { decode, openModel, type OpenedModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { attentionQueryRow } from '../../../src/core/trace/attention';
import { writeTraceJson } from '../../../src/core/trace/json';
import type { Trace } from '../../../src/core/trace/types';
import { fixture } from '../paths';

// The fixture tokenizer's 336 ids (eos 335, the folder writer's vocab − 1).
const SPEC: GptSpec = { layers: 2, hidden: 64, heads: 4, vocab: 336, ffn: 128, past: true, valueInfo: true };
const PROMPT_TOKENS = 1_100;
const NEW_TOKENS = 3;
const MB = 1024 * 1024;
// The generated model is tiny; the float32 run's capture (~55 MB), ORT's outputs and the JSON (~90 MB, parsed) are not.
const NEED = { disk: 400 * MB, memory: 1_500 * MB };

const root = mkdtempSync(join(tmpdir(), 'decoder-lens-long-'));
const free = statfsSync(root);
const short =
  free.bavail * free.bsize < NEED.disk
    ? `needs ${NEED.disk / MB} MB free in ${root}`
    : freemem() < NEED.memory
      ? `needs ${NEED.memory / MB} MB of free memory, has ${Math.round(freemem() / MB)} MB`
      : '';
if (short) console.log(`long-context test skipped: ${short}`);

const sessions = new SessionCache();
after(async () => {
  await sessions.clear();
  rmSync(root, { recursive: true, force: true });
});

/** Bytes a capture holds for attention and masks (what the cap bounds). */
function captureBytes(trace: Trace): number {
  let sum = 0;
  for (const a of trace.attention) sum += a.data.byteLength + (a.quantized?.codes.byteLength ?? 0);
  for (const m of trace.masks) sum += m.raw.byteLength + m.visible.byteLength;
  return sum;
}

describe('long context under a small capture cap', { skip: short || undefined }, () => {
  let model: OpenedModel;
  let text: string;
  let float: Trace;
  let positions: number;
  /** What the planner counts per query × key cell: every head's probability plus the mask (4 + 1 bytes). */
  const need = (bytesPerProb: number) => SPEC.layers * positions * positions * (SPEC.heads * bytesPerProb + 5);

  before(async () => {
    const dir = ensureGpt2Folder(fixture('tiny-gpt'), () => {}, { spec: SPEC, root, positions: 4096 });
    model = await openModel(dir);
    const words = 'copy: the red fox saw a big moon and the cat sat on the mat = ';
    const ids = model.tokenizer.encode(words.repeat(Math.ceil(PROMPT_TOKENS / 10)), { addSpecialTokens: false }).map((t) => t.id);
    text = model.tokenizer.decode(ids.slice(0, PROMPT_TOKENS));
    float = await decode(model, sessions, { text, maxNewTokens: NEW_TOKENS, captureMaxBytes: 1024 * MB });
    positions = float.positions.length;
    assert.ok(positions >= 1_000, `${positions} positions`);
    assert.ok(float.attention.every((a) => !a.quantized && a.heads === SPEC.heads && a.queries === positions));
  });

  for (const bits of [16, 8] as const) {
    test(`${bits}-bit: within the cap, every head kept, the precision stated, values within it of float32`, async () => {
      // Room for `bits`-bit codes, not for the next wider form.
      const cap = Math.ceil(need(bits / 8) * 1.05);
      assert.ok(cap < need(bits === 16 ? 4 : 2));
      const trace = await decode(model, sessions, { text, maxNewTokens: NEW_TOKENS, captureMaxBytes: cap });
      assert.deepEqual(
        trace.generated.map((g) => g.id),
        float.generated.map((g) => g.id),
      );
      assert.ok(captureBytes(trace) <= cap, `capture ${captureBytes(trace)} bytes > cap ${cap}`);
      assert.equal(trace.attention.length, SPEC.layers);
      for (const a of trace.attention) {
        assert.equal(a.headAveraged, false);
        assert.equal(a.heads, SPEC.heads);
        assert.equal(a.quantized?.bits, bits);
      }
      const error = trace.attention[0].quantized!.maxError;
      // 16-bit codes of p: half a step; 8-bit codes of √p: δ(2 + δ) with δ half a step (at p = 1).
      const half = 0.5 / (2 ** bits - 1);
      assert.ok(error <= (bits === 8 ? half * (2 + half) : half) + 1e-12);
      const stated = trace.dropped.find((d) => d.includes(`kept as ${bits}-bit probabilities`));
      assert.ok(stated, trace.dropped.join('; '));
      assert.ok(stated.includes(`±${error.toPrecision(2)}`), stated);
      assert.ok(!trace.dropped.some((d) => /averaged/.test(d)), trace.dropped.join('; '));
      // A few rows of every head: first, middle, the last prompt row, the generated rows.
      const rows = [0, 1, Math.floor(positions / 2), PROMPT_TOKENS - 1, positions - 1];
      for (const [l, a] of trace.attention.entries())
        for (let h = 0; h < a.heads; h++)
          for (const q of rows) {
            const got = attentionQueryRow(a, h, q);
            const want = attentionQueryRow(float.attention[l], h, q);
            let worst = 0;
            for (let k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]));
            assert.ok(worst <= error * (1 + 1e-6) + 1e-7, `layer ${a.layer} head ${h} row ${q}: ${worst} > ${error}`);
          }
    });
  }

  test('the JSON of the long 8-bit trace streams to disk and parses', async () => {
    const trace = await decode(model, sessions, { text, maxNewTokens: NEW_TOKENS, captureMaxBytes: Math.ceil(need(1) * 1.05) });
    const file = join(root, 'long.json');
    await writeTraceJson(trace, file);
    assert.ok(statSync(file).size > 20 * MB, `${statSync(file).size} bytes`);
    const json = JSON.parse(readFileSync(file, 'utf8')) as { attention: { layer: number; heads: number; data: number[][][] }[] };
    assert.equal(json.attention.length, SPEC.layers);
    for (const [l, layer] of json.attention.entries()) {
      assert.equal(layer.data.length, SPEC.heads);
      assert.equal(layer.data[0].length, positions);
      for (const q of [0, positions - 1]) assert.deepEqual(layer.data[3][q], Array.from(attentionQueryRow(trace.attention[l], 3, q)));
    }
  });
});
