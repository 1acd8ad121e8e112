/**
 * "Why This Token?" in the real VS Code: after decoding the demo line, the command hides each input token in the
 * worker and underlines the input in the editor by how much that moves the first generated token's probability;
 * each underline's hover says by how much.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Occlusion } from '../../src/core/interventions/occlude';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import { activateExtension, decodeSelection, selectSampleLine, settlesWithin } from './helpers';

const COMMAND_MS = 90_000;

suite('Why This Token? (occlusion in the editor)', () => {
  let api: DecoderLensApi;
  let decoded: Trace;
  let editor: vscode.TextEditor;

  suiteSetup(async () => {
    api = (await activateExtension()).exports as DecoderLensApi;
    editor = await selectSampleLine();
    const trace = await decodeSelection(COMMAND_MS);
    assert.ok(trace && trace.generated.length > 0, 'Decode Selection generated tokens');
    decoded = trace;
  });

  test('the first generated token: one Δp per input token, drawn as underlines whose hover names the token', async () => {
    const occlusion = await settlesWithin(
      vscode.commands.executeCommand<Occlusion | undefined>(Commands.whyThisToken, 0),
      COMMAND_MS,
      Commands.whyThisToken,
    );
    assert.ok(occlusion, 'the command returned the occlusion');
    assert.equal(occlusion.step, 0);
    assert.equal(occlusion.chosen.text, decoded.generated[0].text, 'it explains the token the decode chose first');
    assert.deepEqual(
      occlusion.tokens.map((t) => t.id),
      decoded.input.tokens.map((t) => t.id),
      'one entry per input token, in order',
    );
    for (const t of occlusion.tokens) {
      assert.ok(t.prob >= 0 && t.prob <= 1, `p ${t.prob}`);
      assert.ok(Math.abs(t.prob - occlusion.prob - t.delta) < 1e-6, 'delta is p hidden − p unhidden');
    }
    const current = api.store.current!;
    assert.equal(api.decorations.occlusion?.resultId, current.id, 'the occlusion sits on the decoded range');
    const applied = api.decorations.applied.get(editor.document.uri.toString());
    assert.ok(applied, 'the editor was decorated');
    const drawable = occlusion.tokens.filter(
      (t) => Math.abs(t.delta) >= 0.01 && decoded.input.tokens[t.index].end! > decoded.input.tokens[t.index].start!,
    );
    assert.ok(drawable.length > 0, `some input token matters: ${occlusion.tokens.map((t) => t.delta.toFixed(3)).join(' ')}`);
    assert.equal(applied.occluded.length, drawable.length, 'one underline per input token that moves p by a point or more');
    const biggest = [...drawable].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))[0];
    const points = (Math.abs(biggest.delta) * 100).toFixed(1);
    assert.ok(
      applied.occluded.some((h) => h.includes(points)),
      `a hover names the largest move (${points} points): ${applied.occluded.join(' | ')}`,
    );
  });
});
