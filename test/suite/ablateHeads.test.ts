/**
 * "Ablate Heads and Rerun" in the real VS Code: after decoding the demo line, ablating heads (the command takes
 * them as arguments, as the attention panel sends them) reruns the input in the worker and opens the compare view
 * with the unablated run as A and the ablated run as B, whose trace records what was ablated.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Trace } from '../../src/core/trace/types';
import type { ComparePanels } from '../../src/host/compare/comparePanel';
import { type AblateHeadsArgs, Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import type { CompareResult } from '../../src/protocol/worker';
import { activateExtension, decodeSelection, selectSampleLine, settlesWithin, until } from './helpers';

const COMMAND_MS = 90_000;
const ablateHeads = (args: AblateHeadsArgs) =>
  settlesWithin(vscode.commands.executeCommand<CompareResult | undefined>(Commands.ablateHeads, args), COMMAND_MS, Commands.ablateHeads);

suite('Ablate Heads and Rerun', () => {
  let compare: ComparePanels;
  let decoded: Trace;

  suiteSetup(async () => {
    const api = (await activateExtension()).exports as DecoderLensApi;
    compare = api.compare;
    await selectSampleLine();
    const trace = await decodeSelection(COMMAND_MS);
    assert.ok(trace, 'Decode Selection returned a trace');
    decoded = trace;
  });

  test('zero-ablating every head of the last layer: the compare view shows unablated vs ablated', async function () {
    this.timeout(3 * COMMAND_MS);
    const layers = new Set(decoded.attention.filter((a) => a.kind === 'self').map((a) => a.layer));
    const last = Math.max(...layers);
    const headCount = decoded.attention.find((a) => a.kind === 'self' && a.layer === last)!.heads;
    const heads = Array.from({ length: headCount }, (_, head) => ({ layer: last, head }));
    const result = await ablateHeads({ heads, mode: 'zero' });
    assert.ok(result, 'the command returned the comparison');
    assert.equal(result.a.ablation, undefined, 'A is the unablated run');
    assert.equal(result.a.input.text, decoded.input.text, 'A reruns the decoded input');
    assert.deepEqual(result.b.ablation, { mode: 'zero', heads: heads.map((h) => ({ ...h, kind: 'self' })) }, 'B records what was ablated');
    assert.equal(result.a.generatedText, decoded.generatedText, 'unablated, the rerun generates what the decode did');
    // With a whole layer's attention removed the next-token distribution must move somewhere.
    assert.ok(
      result.report.steps.some((s) => s.a.id !== s.b.id || Math.abs(s.a.prob - s.b.prob) > 1e-6),
      'ablating a whole layer changes the run',
    );
    assert.match(result.report.b.label, new RegExp(`zero-ablated L${last}\\.H0`), 'the view names the ablated side');
    const panel = compare.current;
    assert.ok(panel, 'the compare view is open');
    assert.equal(panel.comparison?.report, result.report, 'it shows this comparison');
    // The first webview of a fresh window loads VS Code's webview service worker first: slow on a busy machine.
    const drawn = await until(
      'the compare view to draw the ablation',
      () => {
        const id = panel.comparison?.compareId;
        return id !== undefined && panel.rendered?.compareId === id ? panel.rendered : undefined;
      },
      COMMAND_MS,
    );
    assert.equal(drawn.summary, result.report.summary);
  });

  test('a head the model does not have is refused with a message, not a crash', async () => {
    const result = await ablateHeads({ heads: [{ layer: 0, head: 999 }], mode: 'zero' });
    assert.equal(result, undefined);
  });
});
