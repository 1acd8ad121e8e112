/**
 * "Decoder Lens: Score Selection": the selected text's own probabilities, attention, masks and lens, with
 * nothing generated. Its per-token probabilities must be those a generating decode reports for the same prompt.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import { activateExtension, demoModel, settlesWithin } from './helpers';

const run = (command: string) => settlesWithin(vscode.commands.executeCommand<Trace | undefined>(command), 60_000, command);

suite('Score Selection', () => {
  let api: DecoderLensApi;
  let editor: vscode.TextEditor;

  suiteSetup(async () => {
    api = (await activateExtension()).exports as DecoderLensApi;
    const folder = vscode.workspace.workspaceFolders![0].uri;
    editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, 'sample.txt')));
  });

  test('scores the selection without generating: probabilities, prompt attention, masks and lens', async () => {
    const line = editor.document.lineAt(0).range;
    editor.selection = new vscode.Selection(line.start, line.end);
    const scored = await run(Commands.scoreSelection);
    assert.ok(scored, 'Score Selection returned a trace');
    assert.equal(scored.model.path, demoModel);
    assert.equal(scored.input.text, editor.document.lineAt(0).text);
    assert.equal(scored.generated.length, 0, 'nothing generated');
    assert.equal(scored.generatedText, '');
    const n = scored.input.tokens.length;
    assert.ok(n > 2);
    assert.ok(Number.isNaN(scored.inputProbs[0]), 'the first token has no probability');
    for (let i = 1; i < n; i++) assert.ok(scored.inputProbs[i] > 0 && scored.inputProbs[i] <= 1, `p(token ${i}) = ${scored.inputProbs[i]}`);
    const self = scored.attention.filter((a) => a.kind === 'self');
    assert.ok(self.length > 0, 'prompt attention captured');
    for (const a of self) assert.deepEqual([a.queries, a.keys], [n, n], `layer ${a.layer} covers the prompt`);
    assert.ok(scored.masks.length > 0, 'the applied masks captured');
    assert.ok(scored.lens, 'the logit lens');
    assert.deepEqual(scored.lens.unavailable, []);
    assert.ok(scored.lens.layers.length > 0);
    // The lens on every prompt position: what each layer predicts for the next token of the text.
    assert.ok(scored.lens.positions.length >= n - 1, `lens positions ${scored.lens.positions.join(',')} for ${n} tokens`);

    // The same text decoded with generation: its prompt probabilities are the ones scoring reports.
    const decoded = await run(Commands.decodeSelection);
    assert.ok(decoded && decoded.generated.length > 0);
    for (let i = 1; i < n; i++) assert.ok(Math.abs(decoded.inputProbs[i] - scored.inputProbs[i]) < 1e-5, `p(token ${i})`);

    // The result decorates the text (surprisal tint) and shows no continuation. Back in the editor first, with the
    // line selected, as a person would be (the panel and views opened by the decodes may hold the focus).
    editor = await vscode.window.showTextDocument(editor.document, editor.viewColumn);
    editor.selection = new vscode.Selection(line.start, line.end);
    const rescored = await run(Commands.scoreSelection);
    assert.ok(
      rescored,
      `the second Score Selection returned a trace (active editor: ${vscode.window.activeTextEditor?.document.uri.toString()})`,
    );
    const applied = api.decorations.applied.get(editor.document.uri.toString());
    assert.ok(applied && applied.tinted > 0);
    assert.deepEqual(applied.ghost, []);
  });
});
