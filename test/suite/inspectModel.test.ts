import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/host/commands';
import type { ModelSummary } from '../../src/protocol/model';
import { activateExtension, captureErrorMessages, demoModel, repoRoot, settlesWithin } from './helpers';

type Summary = ModelSummary;

// dist/demo-model is copied by the build from test/fixtures/models/tiny-gpt once that fixture exists.
const hasDemoModel = fs.existsSync(path.join(demoModel, 'decoder_model.onnx'));
/** Generous for a first load on a busy 2-core machine (it takes about 3 s); a hang fails clearly. */
const COMMAND_MS = 30_000;
const inspect = (...args: unknown[]) =>
  settlesWithin(vscode.commands.executeCommand<Summary | undefined>(Commands.inspectModel, ...args), COMMAND_MS, Commands.inspectModel);

suite('Inspect Model Outputs (smoke command)', () => {
  suiteSetup(async () => {
    await activateExtension();
  });

  test('the extension host stays responsive while the command runs', async () => {
    // Model loading and inference belong on the worker thread: a timer on the host thread must keep ticking.
    // First in the suite on purpose: the first call also starts the worker and loads onnxruntime-node.
    const target = hasDemoModel ? demoModel : path.join(repoRoot, 'demo', 'no-such-model');
    let last = Date.now();
    let maxGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const started = Date.now();
    try {
      await captureErrorMessages(() => inspect(target));
    } finally {
      clearInterval(timer);
    }
    const took = Date.now() - started;
    maxGap = Math.max(maxGap, Date.now() - last);
    console.log(`responsiveness: command took ${took} ms, ${ticks} ticks, longest gap ${maxGap} ms`);
    // Generous bound: the machine may be busy, but a host thread blocked by inference would miss far more.
    assert.ok(maxGap < 1000, `the extension host was blocked for ${maxGap} ms`);
    if (took > 100) assert.ok(ticks > 0, 'no timer tick while the command ran');
  });

  test('loads the built-in demo model in the worker and lists logits and present.0.key', async () => {
    // The fixtures are committed, so a missing demo model means the build (or the fixtures) broke: fail, don't skip.
    assert.ok(hasDemoModel, `${demoModel}/decoder_model.onnx is missing: npm run build copies it from test/fixtures/models/tiny-gpt`);
    const summary = await inspect();
    assert.ok(summary, 'the command returned no summary (it showed an error instead?)');
    assert.ok(summary.files.length > 0, 'no ONNX files found in the demo model');
    const outputs = summary.files.flatMap((f) => f.outputs);
    assert.ok(outputs.includes('logits'), `outputs: ${outputs.join(', ')}`);
    assert.ok(outputs.includes('present.0.key'), `outputs: ${outputs.join(', ')}`);
  });

  test('a missing model path shows an error naming it and returns undefined (does not throw)', async () => {
    const missing = path.join(repoRoot, 'demo', 'no-such-model');
    const { result, messages } = await captureErrorMessages(() => inspect(missing));
    assert.equal(result, undefined);
    assert.equal(messages.length, 1, `error messages shown: ${JSON.stringify(messages)}`);
    assert.ok(messages[0].includes(missing), `the error should name the path: ${messages[0]}`);
  });
});
