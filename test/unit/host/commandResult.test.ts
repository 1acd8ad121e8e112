/**
 * What a command's result costs when the workbench runs it (palette, menu, keybinding): VS Code's RPC sends it
 * back with JSON.stringify. A trace must not cross as its tensors in JSON, and callers inside the extension host
 * must still get the object itself, with nothing else about it changed.
 */
import test from 'node:test';
import * as assert from 'node:assert/strict';
import { pack, unpack } from '../../../src/core/packed';
import { crossesAsSummary, registerCommand } from '../../../src/host/commands';

const traceLike = () => ({
  generatedText: ' a big moon',
  steps: 20,
  attention: [{ layer: 0, data: new Float32Array(1 << 20).fill(0.25) }],
});

test('a result crosses to the workbench as its own strings, numbers and booleans, not its tensors', () => {
  const result = crossesAsSummary(traceLike());
  assert.deepEqual(JSON.parse(JSON.stringify(result)), { generatedText: ' a big moon', steps: 20 });
});

test('inside the extension host the result reads as itself, and the object the extension keeps is untouched', () => {
  const original = traceLike();
  const data = original.attention[0].data;
  const result = crossesAsSummary(original);
  assert.deepEqual(Object.keys(result), ['generatedText', 'steps', 'attention']);
  assert.equal(result.attention[0].data, data);
  assert.deepEqual(result, original);
  // What the extension stores, saves and posts to its webviews serializes whole and clones as before.
  assert.equal((original as { toJSON?: unknown }).toJSON, undefined);
  assert.deepEqual(Object.getOwnPropertyNames(original), ['generatedText', 'steps', 'attention']);
  const copy = structuredClone(original);
  assert.deepEqual(Object.keys(copy), ['generatedText', 'steps', 'attention']);
  assert.equal(copy.attention[0].data[123], 0.25);
});

test('a trace returned by a command still saves whole (the .dltrace packer reads its fields, not its summary)', () => {
  const result = crossesAsSummary(traceLike());
  const back = unpack(pack(result)) as ReturnType<typeof traceLike>;
  assert.equal(back.generatedText, ' a big moon');
  assert.equal(back.attention[0].data.length, 1 << 20);
});

test('primitives and objects with their own toJSON are left alone', () => {
  assert.equal(crossesAsSummary(undefined), undefined);
  assert.equal(crossesAsSummary(3), 3);
  const own = { toJSON: () => 'mine' };
  assert.equal(JSON.stringify(crossesAsSummary(own)), '"mine"');
});

test('registerCommand applies it to what the command returns, awaited or not', async () => {
  const handlers = new Map<string, (...args: unknown[]) => unknown>();
  const fake = { registerCommand: (id: string, run: (...args: unknown[]) => unknown) => (handlers.set(id, run), { dispose() {} }) };
  registerCommand(fake as never, 'decoderLens.decodeSelection', async () => traceLike());
  registerCommand(fake as never, 'decoderLens.scoreSelection', () => traceLike());
  const awaited = await handlers.get('decoderLens.decodeSelection')!();
  const direct = handlers.get('decoderLens.scoreSelection')!();
  for (const r of [awaited, direct]) assert.ok(JSON.stringify(r).length < 100, JSON.stringify(r).slice(0, 100));
});
