import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compareCommand } from '../../../src/cli/compare';
import { parseCommandLine } from '../../../src/cli/main';
import type { CompareReport } from '../../../src/core/compare';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { encodeTrace } from '../../../src/core/trace/file';
import { expectError, tmpDir } from '../onnx/helpers';
import { fixture } from '../paths';

const PROMPT = 'copy: the red fox saw a big moon =';
const sessions = new SessionCache();
after(() => sessions.clear());

/** Runs the command with its report captured (not by replacing process.stdout.write: the test runner reports through it too). */
async function compare(argv: string[]): Promise<{ report: CompareReport; stdout: string }> {
  let stdout = '';
  const report = await compareCommand(parseCommandLine(['compare', ...argv]), { write: (text) => (stdout += text) });
  return { report, stdout };
}

describe('compare command', () => {
  test('two model folders: a JSON report and a readable summary', async () => {
    const json = join(tmpDir(), 'report.json');
    const { stdout } = await compare([
      '--model',
      fixture('tiny-gpt'),
      '--model-b',
      fixture('tiny-gpt-finetuned'),
      '--text',
      PROMPT,
      '--max-new-tokens',
      '10',
      '--json',
      json,
    ]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as CompareReport;
    assert.equal(report.format, 'decoder-lens-compare');
    assert.equal(report.vocabulary?.same, true);
    assert.equal(report.firstDifferingStep, 5);
    assert.deepEqual(
      report.attention.map((l) => [l.layer, l.heads.length]),
      [
        [0, 4],
        [1, 4],
      ],
    );
    assert.deepEqual(report.lens?.layers, [0, 1]);
    assert.equal(report.a.generatedText, ' the red fox saw a big moon');
    assert.equal(report.b.generatedText, ' the red fox saw a moon big');
    assert.ok(stdout.includes(report.summary), 'the summary is printed');
    assert.match(stdout, /Same vocabulary \(336 tokens\)/);
  });

  test('against a saved trace: its input and settings are reused', async () => {
    const model = await openModel(fixture('tiny-gpt-finetuned'));
    const saved = join(tmpDir(), 'finetuned.dltrace');
    writeFileSync(saved, encodeTrace(await decode(model, sessions, { text: PROMPT, maxNewTokens: 9 })));
    const { report } = await compare(['--model', fixture('tiny-gpt'), '--trace-b', saved]);
    assert.equal(report.firstDifferingStep, 5);
    assert.equal(report.a.steps, 8, 'A stops at eos within the saved trace’s 9 steps');
    assert.equal(report.vocabulary?.same, true, 'the saved trace’s model folder is still here');
    assert.equal(report.lens, null, 'a saved trace has no lens');
  });

  test('clear errors for a missing second side or a bad option', async () => {
    await expectError(compare(['--model', fixture('tiny-gpt'), '--text', PROMPT]), 'bad-input', '--model-b');
    await expectError(
      compare(['--model', fixture('tiny-gpt'), '--model-b', fixture('tiny-gpt'), '--text', PROMPT, '--lens-rows', 'some']),
      'bad-input',
      '--lens-rows',
    );
    await expectError(compare(['--model', fixture('tiny-gpt'), '--trace-b', join(tmpDir(), 'none.dltrace')]), 'not-found');
  });
});
