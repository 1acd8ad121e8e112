// Seeded, bounded fuzzing of the reader, tap finder and surgery planner: only DecoderLensError may escape.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mergedGptModel } from '../../../bench/graph/gptModel';
import { DecoderLensError } from '../../../src/core/errors';
import { buildTappedModel, findTaps, readModel, readModelBytes } from '../../../src/core/onnx';
import type { GraphInfo } from '../../../src/core/onnx/types';
import { fixture } from '../paths';
import { tmpDir } from './helpers';
import { SPEC } from './synth';

const MUTATIONS = 300;
const BUDGET_MS = 10_000;
const ONE_CASE_MS = 2_000;

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** Byte ranges that hold weights: mutating them tells the reader nothing, so most mutations go elsewhere. */
function payloads(g: GraphInfo, out: [number, number][] = []): [number, number][] {
  for (const t of g.initializers) if (t.data) out.push([t.data.offset, t.data.offset + t.data.length]);
  for (const n of g.nodes) for (const sg of Object.values(n.subgraphs)) payloads(sg, out);
  return out;
}

function mutate(src: Uint8Array, holes: [number, number][], r: () => number): Uint8Array {
  const pick = () => {
    for (let i = 0; i < 20; i++) {
      const p = Math.floor(r() * src.length);
      if (!holes.some(([a, b]) => p >= a && p < b)) return p;
    }
    return Math.floor(r() * src.length);
  };
  const kind = r();
  if (kind < 0.15) return src.subarray(0, pick()); // truncate
  if (kind < 0.3) {
    const at = pick(); // insert random bytes
    const extra = Uint8Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256));
    const out = new Uint8Array(src.length + extra.length);
    out.set(src.subarray(0, at));
    out.set(extra, at);
    out.set(src.subarray(at), at + extra.length);
    return out;
  }
  const out = new Uint8Array(src);
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const p = pick();
    out[p] = kind < 0.65 ? out[p] ^ (1 << Math.floor(r() * 8)) : Math.floor(r() * 256);
  }
  return out;
}

async function expectOnlyTypedErrors(label: string, body: () => Promise<unknown> | unknown): Promise<'ok' | 'error'> {
  const start = Date.now();
  try {
    await body();
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof DecoderLensError, `${label}: escaped ${e instanceof Error ? e.stack : String(e)}`);
    assert.ok(e.message.length > 20 && e.file, `${label}: message and file`);
    return 'error';
  } finally {
    assert.ok(Date.now() - start < ONE_CASE_MS, `${label}: took ${Date.now() - start} ms`);
  }
}

describe('fuzzing', () => {
  it(`${MUTATIONS} seeded mutations of the fixtures: only DecoderLensError escapes, nothing hangs`, async () => {
    const dir = tmpDir();
    const sources: [string, Uint8Array][] = [];
    for (const [model, file] of [
      ['tiny-gpt', 'decoder_model_merged.onnx'],
      ['tiny-gpt', 'decoder_model.onnx'],
      ['tiny-t5', 'decoder_model.onnx'],
      ['tiny-t5', 'encoder_model.onnx'],
    ]) {
      const p = fixture(model, file);
      if (existsSync(p)) sources.push([`${model}/${file}`, readFileSync(p)]);
    }
    // The generated merged decoder always takes part (its If is where the structure is densest).
    sources.push(['generated merged', mergedGptModel(SPEC)]);
    assert.ok(sources.length >= 3, 'the committed fixtures are missing: generate them with `npm run fixtures`');
    const r = rng(20251128);
    const start = Date.now();
    const tally = { ok: 0, error: 0 };
    let i = 0;
    for (; i < MUTATIONS && Date.now() - start < BUDGET_MS; i++) {
      const [name, src] = sources[i % sources.length];
      const holes = payloads(readModelBytes(name, src).graph);
      const bytes = mutate(src, holes, r);
      const label = `mutation ${i} of ${name}`;
      const path = join(dir, `m${i}.onnx`);
      const inMemory = await expectOnlyTypedErrors(label, () => findTaps(readModelBytes(path, bytes)));
      tally[inMemory]++;
      if (i % 5 === 0) {
        // The same bytes through the file reader, and through surgery planning.
        writeFileSync(path, bytes);
        const fromFile = await expectOnlyTypedErrors(`${label} (file)`, async () => findTaps(await readModel(path)));
        assert.equal(fromFile, inMemory, `${label}: the file and memory readers agree`);
        await expectOnlyTypedErrors(`${label} (surgery)`, () => buildTappedModel(path));
      }
    }
    assert.ok(i >= 100, `only ${i} mutations ran within ${BUDGET_MS} ms`);
    assert.ok(tally.error > 0 && tally.ok > 0, `mutations both broke and spared models: ${JSON.stringify(tally)}`);
  });
});
