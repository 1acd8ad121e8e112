import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareCommand } from '../../../src/cli/compare';
import { parseCommandLine } from '../../../src/cli/main';
import { fixture } from '../paths';

describe('compare two variants of one folder', () => {
  it('fp32 vs q4: the sides are labelled by variant and decode the same copy', async () => {
    const tjs = fixture('tiny-gpt-tjs');
    let stdout = '';
    const argv = [
      'compare',
      '--model',
      tjs,
      '--model-b',
      tjs,
      '--variant-b',
      'q4',
      '--text',
      'copy: the red fox =',
      '--max-new-tokens',
      '5',
    ];
    const report = await compareCommand(parseCommandLine([...argv, '--no-lens']), { write: (text) => (stdout += text) });
    assert.equal(report.a.label, `${tjs} [fp32]`);
    assert.equal(report.b.label, `${tjs} [q4]`);
    assert.equal(report.a.generatedText, ' the red fox');
    assert.equal(report.b.generatedText, report.a.generatedText);
    assert.equal(report.firstDifferingStep, null);
    assert.match(stdout, /\[q4\]/);
  });
});
