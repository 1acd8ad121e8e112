import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { gptGraph, type GptSpec } from '../../../bench/graph/gptGraph';
import { initValues } from '../../../bench/graph/gptModel';
import { T, floatTensor, model } from '../../../bench/graph/onnxBuild';
import { SessionCache, externalDataOptions } from '../../../src/core/decode/sessionCache';
import { DecoderLensError } from '../../../src/core/errors';
import { buildLensModel } from '../../../src/core/lens/model';
import { buildTappedModel } from '../../../src/core/onnx';
import { REFERENCE_MIN_BYTES } from '../../../src/core/onnx/referenced';
import { readField } from '../../../src/core/onnx/wire';
import { assertSameTensor, checkCases, expectError, feedsOf, fixtureFile, ort, tmpDir } from './helpers';
import { synthFeeds } from './synth';

const ELEM_BYTES: Record<number, number> = { [onnx.TensorProto.DataType.FLOAT]: 4, [onnx.TensorProto.DataType.INT64]: 8 };
const byteSize = (t: onnx.ITensorProto) => (t.dims ?? []).reduce<number>((n, d) => n * Number(d), 1) * ELEM_BYTES[t.dataType!];
const entry = (t: onnx.ITensorProto, key: string) => t.externalData?.find((e) => e.key === key)?.value;

/** A copy of a fixture file in a fresh temp folder (tests that change the file never touch the committed one). */
function copyOf(model: string, file: string): string {
  const path = join(tmpDir(), file);
  copyFileSync(fixtureFile(model, file), path);
  return path;
}

/**
 * The top-level initializers, decoded by onnx-proto. The tapped model may carry its graph in several `graph` fields
 * (protobuf merges them; protobufjs keeps the last), so each is decoded and their initializers joined.
 */
function initializersOf(bytes: Uint8Array): onnx.ITensorProto[] {
  const out: onnx.ITensorProto[] = [];
  for (let pos = 0; pos < bytes.length;) {
    const f = readField(bytes, pos, bytes.length, 0);
    if (f.no === 7) out.push(...(onnx.GraphProto.decode(bytes.subarray(f.start, f.end)).initializer ?? []));
    pos = f.end;
  }
  return out;
}

/**
 * Decodes the tapped bytes with onnx-proto (not our reader) and checks each top-level initializer against the
 * original file: a large raw payload is referenced at exactly its own bytes in that file, nothing large is inline.
 */
function checkReferences(path: string, tapped: Uint8Array): { referenced: number; inline: number } {
  const original = initializersOf(readFileSync(path));
  const file = readFileSync(path);
  const rewritten = initializersOf(tapped);
  assert.equal(rewritten.length, original.length, 'every initializer is still there');
  let referenced = 0;
  for (const [i, t] of rewritten.entries()) {
    const was = original[i];
    assert.equal(t.name, was.name);
    assert.deepEqual(t.dims?.map(Number), was.dims?.map(Number), `${t.name}: dims`);
    assert.equal(t.dataType, was.dataType, `${t.name}: data type`);
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) {
      assert.ok((t.rawData?.length ?? 0) < REFERENCE_MIN_BYTES, `${t.name}: ${t.rawData?.length} bytes left inline`);
      continue;
    }
    referenced++;
    assert.equal(t.rawData?.length ?? 0, 0, `${t.name}: no payload left inline`);
    assert.equal(entry(t, 'location'), basename(realpathSync(path)), `${t.name}: names the model file itself`);
    const offset = Number(entry(t, 'offset'));
    const length = Number(entry(t, 'length'));
    assert.equal(length, byteSize(t), `${t.name}: length is the tensor's size`);
    assert.ok(file.subarray(offset, offset + length).equals(Buffer.from(was.rawData!)), `${t.name}: points at its own bytes`);
  }
  return { referenced, inline: rewritten.length - referenced };
}

async function runBoth(path: string, feeds: Record<string, ort.Tensor>, label: string): Promise<void> {
  const copied = await buildTappedModel(path);
  const referenced = await buildTappedModel(path, {}, () => [], undefined, { weights: 'referenced' });
  assert.equal(referenced.externalDataDir, dirname(realpathSync(path)));
  assert.deepEqual(referenced.outputs, copied.outputs);
  const quiet = { logSeverityLevel: 3 as const };
  const a = await ort.InferenceSession.create(copied.bytes, quiet);
  const b = await ort.InferenceSession.create(referenced.bytes, { ...quiet, ...externalDataOptions(referenced.externalDataDir) });
  try {
    const want = await a.run(feeds);
    const got = await b.run(feeds);
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
    for (const name of Object.keys(want)) assertSameTensor(got[name], want[name], `${label}: ${name}`);
  } finally {
    await a.release();
    await b.release();
  }
}

describe('weights by reference (the tapped model points into the original file)', () => {
  for (const file of ['decoder_model.onnx', 'decoder_model_merged.onnx']) {
    it(`${file}: every large initializer is referenced at its own bytes, and the bytes are a fraction of the file`, async () => {
      const path = fixtureFile('tiny-gpt', file);
      const tapped = await buildTappedModel(path, {}, () => [], undefined, { weights: 'referenced' });
      const { referenced } = checkReferences(path, tapped.bytes);
      assert.ok(referenced >= 10, `${referenced} initializers referenced`);
      assert.ok(tapped.bytes.length < statSync(path).size / 4, `${tapped.bytes.length} bytes for a ${statSync(path).size}-byte file`);
    });
  }

  it('every output equals the copied build bit for bit (every check.json case: no past, with past, merged If)', async () => {
    for (const c of checkCases('tiny-gpt')) await runBoth(fixtureFile('tiny-gpt', c.file), feedsOf(c), c.file);
  });

  it('fields after the payload, typed-list and small initializers are kept as written; nothing is written to the folder', async () => {
    const spec: GptSpec = { layers: 2, hidden: 32, heads: 4, vocab: 40 };
    const p = gptGraph(spec);
    // As some writers do: a doc_string after raw_data, and a payload in int64_data instead of raw_data.
    const initializer: onnx.ITensorProto[] = p.initializers.map((s, i) => ({
      ...floatTensor(s.name, initValues(s), s.dims),
      ...(i % 2 ? { docString: `weight ${i}` } : {}),
    }));
    initializer.push({ name: 'unused_ids', dims: [300], dataType: T.INT64, int64Data: Array.from({ length: 300 }, (_, i) => i) });
    const dir = tmpDir();
    const path = join(dir, 'model.onnx');
    writeFileSync(path, model({ name: 'g', node: p.nodes, input: p.inputs, output: p.outputs, initializer }));
    const before = readdirSync(dir);
    const tapped = await buildTappedModel(path, {}, () => [], undefined, { weights: 'referenced' });
    const { referenced } = checkReferences(path, tapped.bytes);
    assert.ok(referenced > 0);
    const rewritten = initializersOf(tapped.bytes);
    for (const [i, t] of rewritten.entries()) assert.equal(t.docString, initializer[i].docString ?? '', `${t.name}: doc_string kept`);
    const ids = rewritten.find((t) => t.name === 'unused_ids')!;
    assert.equal(ids.int64Data?.length, 300, 'a typed-list payload stays inline');
    await runBoth(path, synthFeeds(spec, {}, { batch: 2, seq: 3, pad: [0, 1] }), 'generated');
    assert.deepEqual(readdirSync(dir), before);
  });
});

describe('lens models over referenced weights', () => {
  for (const taps of [true, false]) {
    it(`taps ${taps ? 'on' : 'off'}: the lens model references the file and computes the same bits`, async () => {
      for (const c of checkCases('tiny-gpt').filter((x) => x.file !== 'decoder_with_past_model.onnx')) {
        const path = fixtureFile('tiny-gpt', c.file);
        const lens = { rows: 'all' as const, k: 3 };
        const copied = await buildLensModel(path, { taps, lens });
        const referenced = await buildLensModel(path, { taps, lens, weights: 'referenced' });
        assert.ok(referenced.bytes.length < statSync(path).size / 4, `${c.file}: ${referenced.bytes.length} bytes`);
        checkReferences(path, referenced.bytes);
        const a = await ort.InferenceSession.create(copied.bytes);
        const b = await ort.InferenceSession.create(referenced.bytes, externalDataOptions(referenced.externalDataDir));
        try {
          const want = await a.run(feedsOf(c));
          const got = await b.run(feedsOf(c));
          for (const name of Object.keys(want)) assertSameTensor(got[name], want[name], `${c.file}: ${name}`);
        } finally {
          await a.release();
          await b.release();
        }
      }
    });
  }
});

describe('sessions over referenced weights', () => {
  const sessions = new SessionCache();
  after(() => sessions.clear());
  const [first] = checkCases('tiny-gpt').filter((c) => c.file === 'decoder_model.onnx');

  it('a model file rewritten on disk gets a new session, and the old session refuses to run instead of mixing weights', async () => {
    const path = copyOf('tiny-gpt', 'decoder_model.onnx');
    const old = await sessions.open(path, { taps: true });
    await old.session.run(feedsOf(first));
    // Same size, different weights: only the modification time tells them apart.
    writeFileSync(path, readFileSync(fixtureFile('tiny-gpt-perturbed', 'decoder_model.onnx')));
    const later = new Date(statSync(path).mtimeMs + 10_000);
    utimesSync(path, later, later);
    await expectError(old.session.run(feedsOf(first)), 'bad-model', path);
    const fresh = await sessions.open(path, { taps: true });
    assert.notEqual(fresh, old);
    const plain = await ort.InferenceSession.create(path);
    try {
      const want = await plain.run(feedsOf(first));
      assertSameTensor((await fresh.session.run(feedsOf(first))).logits, want.logits, 'logits of the new file');
    } finally {
      await plain.release();
    }
  });

  it('an untapped session is the file’s own graph over referenced weights: every output as ORT loading the path gives it', async () => {
    for (const c of checkCases('tiny-gpt')) {
      const path = copyOf('tiny-gpt', c.file);
      const ours = await sessions.open(path, { taps: false });
      assert.deepEqual(ours.taps, []);
      const plain = await ort.InferenceSession.create(path);
      try {
        const want = await plain.run(feedsOf(c));
        const got = await ours.session.run(feedsOf(c));
        assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
        for (const name of Object.keys(want)) assertSameTensor(got[name], want[name], `${c.file}: ${name}`);
      } finally {
        await plain.release();
      }
      // Its weights are in the file, so it too stops once the file changes.
      const later = new Date(statSync(path).mtimeMs + 10_000);
      utimesSync(path, later, later);
      await expectError(ours.session.run(feedsOf(c)), 'bad-model', path);
    }
  });

  it('a model linked from a Hugging Face cache snapshot references the blob the link resolves to', async () => {
    const root = tmpDir();
    mkdirSync(join(root, 'blobs'));
    mkdirSync(join(root, 'snapshots', 'rev', 'onnx'), { recursive: true });
    copyFileSync(fixtureFile('tiny-gpt', 'decoder_model.onnx'), join(root, 'blobs', '3f2a9c'));
    const path = join(root, 'snapshots', 'rev', 'onnx', 'model.onnx');
    symlinkSync(join('..', '..', '..', 'blobs', '3f2a9c'), path);
    const tapped = await buildTappedModel(path, {}, () => [], undefined, { weights: 'referenced' });
    assert.ok(checkReferences(path, tapped.bytes).referenced > 0);
    assert.equal(tapped.externalDataDir, join(realpathSync(root), 'blobs'));
    const ours = await sessions.open(path, { taps: true });
    const plain = await ort.InferenceSession.create(path);
    try {
      const want = await plain.run(feedsOf(first));
      assertSameTensor((await ours.session.run(feedsOf(first))).logits, want.logits, 'logits through the link');
    } finally {
      await plain.release();
    }
  });

  it('external data linked from a Hugging Face cache: the data files are named by the blobs the links resolve to', async () => {
    const root = tmpDir();
    mkdirSync(join(root, 'blobs'));
    mkdirSync(join(root, 'snapshots', 'rev'), { recursive: true });
    // The fixture with every initializer moved to model.onnx_data, as exporters write models over 2 GB.
    const m = onnx.ModelProto.decode(readFileSync(fixtureFile('tiny-gpt', 'decoder_model.onnx')));
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const t of m.graph!.initializer!) {
      const raw = t.rawData!;
      chunks.push(raw);
      t.rawData = new Uint8Array(0);
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.externalData = [
        { key: 'location', value: 'model.onnx_data' },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(raw.length) },
      ];
      offset += raw.length;
    }
    writeFileSync(join(root, 'blobs', '9e1d'), Buffer.concat(chunks));
    writeFileSync(join(root, 'blobs', '51c0'), onnx.ModelProto.encode(m).finish());
    const path = join(root, 'snapshots', 'rev', 'model.onnx');
    symlinkSync(join('..', '..', 'blobs', '51c0'), path);
    symlinkSync(join('..', '..', 'blobs', '9e1d'), join(root, 'snapshots', 'rev', 'model.onnx_data'));
    const tapped = await buildTappedModel(path);
    assert.equal(tapped.externalDataDir, join(realpathSync(root), 'blobs'));
    const named = new Set(initializersOf(tapped.bytes).map((t) => entry(t, 'location')));
    assert.deepEqual([...named], ['9e1d']);
    const plain = await ort.InferenceSession.create(path);
    try {
      const want = await plain.run(feedsOf(first));
      for (const lens of [false as const, { rows: 'last' as const, k: 3 }]) {
        const ours = await sessions.open(path, { taps: true, lens });
        assertSameTensor((await ours.session.run(feedsOf(first))).logits, want.logits, `logits (lens ${lens ? 'on' : 'off'})`);
      }
    } finally {
      await plain.release();
    }
  });

  it('a truncated model file: a DecoderLensError naming the file, before and after a session was made', async () => {
    const path = copyOf('tiny-gpt', 'decoder_model.onnx');
    const open = await sessions.open(path, { taps: true, lens: { rows: 'last', k: 3 } });
    truncateSync(path, Math.floor(statSync(path).size * 0.6));
    // The session made before must not touch the missing bytes (a mapped page past the end would be SIGBUS).
    const stale = await expectError(open.session.run(feedsOf(first)), 'bad-model', path);
    assert.ok(stale instanceof DecoderLensError);
    for (const options of [{ taps: true }, { taps: true, lens: { rows: 'last' as const, k: 3 } }]) {
      const e = await expectError(sessions.open(path, options), 'bad-model', path);
      assert.match(e.message, /truncated/);
    }
  });
});
