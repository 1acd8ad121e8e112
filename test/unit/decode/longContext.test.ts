// Long context at full length: T = 4,096 (a 4,000-token prompt + 96 generated) on a generated random-weight
// decoder in the OS temp folder, narrower than the bench's 24 × 16 × 1,024 model (`npm run bench long`) so the
// test tier stays minutes short: 4 layers × 4 heads × 64 wide. Under a capture cap that even 8-bit codes would pass,
// the capture stays within the cap, keeps every head (each row's top-k, computed in the graph), keeps the masks
// as bands, and the process's memory grows by at most the cap + 2 × the weights + what ONNX Runtime itself
// needs for one layer's prefill probabilities. Skipped with a message when disk or memory is short.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statfsSync, statSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { GptSpec } from '../../../bench/graph/gptGraph';
import { ensureGpt2Folder } from '../../../bench/models/gpt2';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { attentionTopRow } from '../../../src/core/trace/attention';
import { maskVisibleRow } from '../../../src/core/trace/masks';
import { writeTraceJson, type TraceJson } from '../../../src/core/trace/json';
import type { Trace } from '../../../src/core/trace/types';
import { readPanelData } from '../../../src/panelData/embedded';
import { writeHtmlReport } from '../../../src/panelData/node/reportHtml';
import { PanelDataService } from '../../../src/panelData/serve';
import { fixture, repoRoot } from '../paths';

// The fixture tokenizer's 336 ids (eos 335, the folder writer's vocab − 1).
const SPEC: GptSpec = { layers: 4, hidden: 64, heads: 4, vocab: 336, ffn: 128, past: true, valueInfo: true };
const PROMPT_TOKENS = 4_000;
const NEW_TOKENS = 96;
const MB = 1024 * 1024;
const CAP = 64 * MB;
// One layer's prefill probabilities, as ONNX Runtime computes them before the compaction nodes reduce them (it
// keeps a few such tensors alive inside a layer: scores, mask add, softmax).
const ONE_LAYER = SPEC.heads * 4096 * 4096 * 4;
const NEED = { disk: 200 * MB, memory: CAP + 6 * ONE_LAYER + 1_000 * MB };

const root = mkdtempSync(join(tmpdir(), 'decoder-lens-long4k-'));
const free = statfsSync(root);
const short =
  free.bavail * free.bsize < NEED.disk
    ? `needs ${NEED.disk / MB} MB free in ${root}`
    : freemem() < NEED.memory
      ? `needs ${Math.round(NEED.memory / MB)} MB of free memory, has ${Math.round(freemem() / MB)} MB`
      : '';
if (short) console.log(`T = 4,096 long-context test skipped: ${short}`);

const sessions = new SessionCache();
after(async () => {
  await sessions.clear();
  rmSync(root, { recursive: true, force: true });
});

/** Bytes the capture keeps for attention and masks (what the cap bounds). */
function captureBytes(trace: Trace): number {
  let sum = 0;
  for (const a of trace.attention)
    sum +=
      a.data.byteLength +
      (a.quantized?.codes.byteLength ?? 0) +
      (a.topK ? a.topK.values.byteLength + a.topK.indices.byteLength + a.topK.rest.byteLength : 0);
  for (const m of trace.masks) sum += m.raw.byteLength + m.visible.byteLength + (m.bands ? 3 * m.bands.first.byteLength : 0);
  return sum;
}

describe('T = 4,096 decode with capture', { skip: short || undefined }, () => {
  test('within the cap, every head kept as top-k rows, masks as bands, memory bounded', async () => {
    const dir = ensureGpt2Folder(fixture('tiny-gpt'), () => {}, { spec: SPEC, root, positions: PROMPT_TOKENS + NEW_TOKENS });
    const weights = statSync(join(dir, 'onnx', 'model.onnx')).size;
    const model = await openModel(dir);
    const words = 'copy: the red fox saw a big moon and the cat sat on the mat = ';
    const ids = model.tokenizer.encode(words.repeat(Math.ceil(PROMPT_TOKENS / 8)), { addSpecialTokens: false }).map((t) => t.id);
    let text = model.tokenizer.decode(ids.slice(0, PROMPT_TOKENS));
    // Decoding and re-encoding may merge a piece at the cut: trim to exactly PROMPT_TOKENS.
    const again = model.tokenizer.encode(text, { addSpecialTokens: true });
    text = text.slice(0, again[PROMPT_TOKENS]?.start ?? text.length);
    global.gc?.();
    const before = process.memoryUsage().rss;
    const trace = await decode(model, sessions, { text, maxNewTokens: NEW_TOKENS, captureMaxBytes: CAP });
    const peak = process.resourceUsage().maxRSS * 1024;
    const positions = trace.positions.length;
    assert.equal(trace.input.tokens.length, PROMPT_TOKENS);
    assert.equal(trace.generated.length, NEW_TOKENS, `stopped early: ${trace.stopReason}`);
    assert.equal(positions, PROMPT_TOKENS + NEW_TOKENS - 1);

    const kept = captureBytes(trace);
    assert.ok(kept <= CAP, `capture keeps ${kept} bytes, over the cap of ${CAP}`);
    assert.ok(!trace.dropped.some((d) => /averaged|layers \d/.test(d)), trace.dropped.join('; '));
    assert.equal(trace.attention.length, SPEC.layers);
    for (const a of trace.attention) {
      assert.equal(a.heads, SPEC.heads);
      assert.equal(a.headAveraged, false);
      assert.ok(a.topK && a.topK.k >= 100, `layer ${a.layer}: k ${a.topK?.k}`);
      assert.equal(a.queries, positions);
      for (const q of [0, PROMPT_TOKENS - 1, positions - 1])
        for (let h = 0; h < a.heads; h++) {
          const { keys, values, rest } = attentionTopRow(a, h, q);
          // Largest first, causal, and with the rest a distribution over the row.
          for (let j = 1; j < values.length; j++) assert.ok(values[j] <= values[j - 1]);
          assert.ok(
            keys.every((k, j) => k <= q || values[j] === 0),
            `row ${q} keeps a key after it`,
          );
          const sum = values.reduce((s, v) => s + v, 0);
          assert.ok(Math.abs(sum + rest - 1) < 0.01, `row ${q} head ${h}: kept ${sum} + rest ${rest}`);
        }
    }
    assert.equal(trace.masks.length, SPEC.layers);
    for (const m of trace.masks) {
      assert.ok(m.bands, `layer ${m.layer} masks as bands`);
      for (const q of [0, 1_000, positions - 1]) {
        const row = maskVisibleRow(m, q);
        assert.equal(row.indexOf(0), q + 1 === m.keys ? -1 : q + 1, `row ${q}: causal`);
      }
    }
    const growth = peak - before;
    const bound = CAP + 2 * weights + 4 * ONE_LAYER;
    console.log(
      `T = ${positions + 1}: capture ${(kept / MB).toFixed(1)} MB (cap ${CAP / MB} MB), k ${trace.attention[0].topK?.k}, peak RSS growth ${(growth / MB).toFixed(0)} MB (bound ${(bound / MB).toFixed(0)} MB), weights ${(weights / MB).toFixed(1)} MB`,
    );
    assert.ok(growth <= bound, `peak memory grew ${growth} bytes, over ${bound}`);
    // The chunked prefill through the cache chooses the tokens a plain decode (one full prefill) chooses.
    const plain = await decode(model, sessions, { text, maxNewTokens: NEW_TOKENS, taps: false });
    assert.deepEqual(
      trace.generated.map((g) => g.id),
      plain.generated.map((g) => g.id),
    );
    for (const i of [1, 1_000, PROMPT_TOKENS - 1]) assert.ok(Math.abs(trace.inputProbs[i] - plain.inputProbs[i]) < 1e-4, `input prob ${i}`);

    // The HTML report stays under 50 MB and its embedded data serves the panel (thumbnails, a head, a row).
    const html = join(root, 'long.html');
    writeHtmlReport(trace, join(repoRoot, 'dist'), html);
    const size = statSync(html).size;
    assert.ok(size <= 50e6, `report ${size} bytes`);
    const embedded = /<script type="application\/octet-stream" id="[^"]+">([^<]*)<\/script>/.exec(readFileSync(html, 'utf8'));
    const service = new PanelDataService(readPanelData(embedded![1]));
    const thumbs = service.thumbnails({ traceId: 'report', kind: 'self', size: 64 });
    assert.equal(thumbs.layers.length, SPEC.layers);
    assert.ok(thumbs.data.some((v) => v > 0));
    const head = service.matrix({ traceId: 'report', layer: 0, kind: 'self', head: 1 });
    assert.equal(head.data.length, positions * positions);
    assert.equal(head.visible?.length, positions * positions);
    // The JSON streams to disk in the sparse form and parses.
    const json = join(root, 'long.json');
    await writeTraceJson(trace, json);
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as TraceJson;
    assert.equal(parsed.attention[0].topK?.rows[1].length, positions);
    assert.equal(parsed.masks[0].bands?.length, positions);
    console.log(`report ${(size / 1e6).toFixed(1)} MB, JSON ${(statSync(json).size / 1e6).toFixed(0)} MB`);
  });
});
