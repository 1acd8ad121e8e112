import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';
import { escapeToken } from '../../src/host/editor/hoverText';
import type { DecoderLensApi } from '../../src/host/extension';
import type { RemoteError } from '../../src/protocol/rpc';
import { activateExtension, captureErrorMessages, demoModel, settlesWithin } from './helpers';

const COMMAND_MS = 60_000;
const decodeSelection = () =>
  settlesWithin(vscode.commands.executeCommand<Trace | undefined>(Commands.decodeSelection), COMMAND_MS, Commands.decodeSelection);
const PROMPT_LINE = 0;

async function hoverTexts(uri: vscode.Uri, position: vscode.Position): Promise<string[]> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)));
}
const ours = (texts: string[]) => texts.filter((t) => t.includes('Attends to'));

suite('Decode Selection, hover and decorations', () => {
  let api: DecoderLensApi;
  let editor: vscode.TextEditor;

  suiteSetup(async () => {
    api = (await activateExtension()).exports as DecoderLensApi;
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, 'sample.txt'));
    editor = await vscode.window.showTextDocument(document);
  });

  async function decodeLine(line: number): Promise<Trace> {
    const range = editor.document.lineAt(line).range;
    editor.selection = new vscode.Selection(range.start, range.end);
    const trace = await decodeSelection();
    assert.ok(trace, 'Decode Selection returned a trace');
    return trace;
  }

  test('decoding a selection of the demo document gives a trace of that text, decorated', async () => {
    const trace = await decodeLine(PROMPT_LINE);
    assert.equal(trace.input.text, editor.document.lineAt(PROMPT_LINE).text);
    assert.equal(trace.model.path, demoModel);
    assert.ok(trace.generated.length > 0);
    const uri = editor.document.uri.toString();
    assert.equal(api.store.forDocument(uri).length, 1);
    const applied = api.decorations.applied.get(uri);
    const withOffsets = trace.input.tokens.filter((t) => t.start !== null && t.end! > t.start).length;
    assert.equal(applied?.boundaries, withOffsets, 'one boundary per token with characters');
    assert.equal(applied?.ghost.length, 1, 'the continuation as ghost text');
    assert.ok(applied!.ghost[0].includes(trace.generatedText.trim().split(/\s+/)[0] ?? ''));
  });

  test('the hover over a token lists the token it attends to most (last layer, mean over heads)', async () => {
    const trace = await decodeLine(PROMPT_LINE);
    const index = trace.input.tokens.findIndex((t, i) => i > 1 && t.start !== null && t.end! - t.start! > 1);
    const token = trace.input.tokens[index];
    const position = editor.document.positionAt(
      editor.document.offsetAt(editor.document.lineAt(PROMPT_LINE).range.start) + token.start! + 1,
    );
    const [text] = ours(await hoverTexts(editor.document.uri, position));
    assert.ok(text, 'a Decoder Lens hover');
    assert.ok(text.includes(`id ${token.id}`), text);
    // Expected from the trace's own matrix: argmax over keys of the mean over heads of the last layer's row.
    const last = trace.attention.filter((a) => a.kind === 'self').reduce((a, b) => (b.layer > a.layer ? b : a));
    let best = -1;
    let bestWeight = -1;
    for (let k = 0; k < last.keys; k++) {
      let sum = 0;
      for (let h = 0; h < last.heads; h++) sum += last.data[(h * last.queries + index) * last.keys + k];
      if (sum > bestWeight) [best, bestWeight] = [k, sum];
    }
    const firstRow = text.split('\n').find((l) => l.startsWith('| ') && !l.startsWith('| token'))!;
    assert.ok(
      firstRow.startsWith(`| ${escapeToken(trace.positions[best].text)} |`),
      `${firstRow} should name ${trace.positions[best].text}`,
    );
  });

  test('Toggle Decorations removes them and brings them back', async () => {
    await decodeLine(PROMPT_LINE);
    const uri = editor.document.uri.toString();
    assert.ok(api.decorations.applied.get(uri)!.boundaries > 0);
    await vscode.commands.executeCommand(Commands.toggleDecorations);
    assert.equal(api.decorations.applied.get(uri)!.boundaries, 0);
    assert.equal(api.decorations.applied.get(uri)!.ghost.length, 0);
    await vscode.commands.executeCommand(Commands.toggleDecorations);
    assert.ok(api.decorations.applied.get(uri)!.boundaries > 0);
  });

  test('editing the decoded text invalidates the hover; an edit before it only moves it', async () => {
    const trace = await decodeLine(PROMPT_LINE);
    const token = trace.input.tokens.find((t) => t.start !== null && t.end! - t.start! > 1)!;
    const lineStart = editor.document.lineAt(PROMPT_LINE).range.start;
    // An insertion before the decoded text: the hover follows the token.
    await editor.edit((b) => b.insert(lineStart, '  '));
    const moved = editor.document.positionAt(editor.document.offsetAt(lineStart) + 2 + token.start!);
    assert.equal(ours(await hoverTexts(editor.document.uri, moved)).length, 1, 'the hover moved with the text');
    // An edit inside the decoded text: the result is stale and never shown.
    await editor.edit((b) => b.insert(moved.translate(0, 1), 'x'));
    assert.equal(ours(await hoverTexts(editor.document.uri, moved)).length, 0, 'a stale result is not shown');
    await vscode.commands.executeCommand('undo');
    await vscode.commands.executeCommand('undo');
    assert.equal(api.store.forDocument(editor.document.uri.toString()).length, 0);
  });

  test('cancelling a long decode stops it within a step and the worker serves the next one', async () => {
    const connection = await api.worker.get();
    // Hot sampling (seeded, so the same every run) keeps the tiny model from stopping at its end-of-sequence.
    const request = {
      modelPath: demoModel,
      text: 'copy: the red',
      maxNewTokens: 48,
      useCache: false,
      sampling: { strategy: 'top-k' as const, topK: 300, topP: 1, temperature: 5, seed: 3 },
    };
    const full = await connection.request('decode', request);
    const controller = new AbortController();
    let seen = 0;
    const long = connection.request('decode', request, {
      signal: controller.signal,
      onProgress: ({ step }) => {
        seen = step;
        if (step === 2) controller.abort();
      },
    });
    // The extension's bundle has its own RemoteError class: check the payload, not instanceof.
    assert.ok(full.generated.length > 20, `the uncancelled run is long (${full.generated.length} steps)`);
    await assert.rejects(long, (e: unknown) => (e as RemoteError).payload?.code === 'cancelled');
    assert.ok(seen < full.generated.length, `stopped at step ${seen} of ${full.generated.length}`);
    assert.ok(await decodeLine(PROMPT_LINE));
  });

  test('a broken model gives an error naming the file, and the extension stays usable', async () => {
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'decoder-lens-broken-'));
    fs.cpSync(demoModel, broken, { recursive: true });
    fs.writeFileSync(path.join(broken, 'decoder_model.onnx'), 'not a model');
    fs.writeFileSync(path.join(broken, 'decoder_model_merged.onnx'), 'not a model either');
    const config = vscode.workspace.getConfiguration('decoderLens');
    await config.update('modelPath', broken, vscode.ConfigurationTarget.Global);
    try {
      const range = editor.document.lineAt(PROMPT_LINE).range;
      editor.selection = new vscode.Selection(range.start, range.end);
      const { result, messages } = await captureErrorMessages(() => decodeSelection());
      assert.equal(result, undefined);
      assert.equal(messages.length, 1, JSON.stringify(messages));
      assert.ok(messages[0].includes(broken), messages[0]);
    } finally {
      await config.update('modelPath', undefined, vscode.ConfigurationTarget.Global);
      fs.rmSync(broken, { recursive: true, force: true });
    }
    assert.ok(await decodeLine(PROMPT_LINE), 'decoding works again with the demo model');
  });

  test('the extension host event loop stays free while the worker decodes (monitorEventLoopDelay)', async () => {
    // The GPT-2-small-shaped bench model when `npm run bench` has generated it (64 tokens), else the demo model.
    const bench = path.join(os.tmpdir(), 'decoder-lens-bench', 'gpt2-12x12x768-v2');
    const useBench = fs.existsSync(path.join(bench, 'onnx', 'model.onnx.done'));
    const request = useBench
      ? { modelPath: bench, text: 'The quick brown fox jumps over the lazy dog while the decoder watches every token.', maxNewTokens: 64 }
      : { modelPath: demoModel, text: editor.document.lineAt(PROMPT_LINE).text, maxNewTokens: 40, useCache: false };
    const connection = await api.worker.get();
    if (useBench) await connection.request('decode', { ...request, maxNewTokens: 1 }); // load the 650 MB model first
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const trace = await connection.request('decode', request);
    histogram.disable();
    const p99 = histogram.percentile(99) / 1e6;
    console.log(
      `event-loop delay during a ${trace.generated.length}-token decode of ${useBench ? 'the bench model' : 'the demo model'}: p99 ${p99.toFixed(1)} ms, max ${(histogram.max / 1e6).toFixed(1)} ms`,
    );
    // Loose: a decode on this thread would block for whole steps; the figure itself goes in the README.
    assert.ok(p99 < 250, `p99 event-loop delay ${p99.toFixed(1)} ms`);
  });
});
