import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError, numberFlag, parseArgs } from '../../../src/cli/args';
import { COMMANDS, parseCommandLine } from '../../../src/cli/main';

describe('command-line parsing', () => {
  it('reads each command against its own option table', () => {
    const trace = parseCommandLine(['trace', '--model', 'm', '--text=a b', '--no-cache', '--max-new-tokens', '0']);
    assert.equal(trace.command, 'trace');
    assert.deepEqual(Object.fromEntries(trace.flags), { model: 'm', text: 'a b', 'no-cache': true, 'max-new-tokens': '0' });
    // taps --json is a switch; trace --json takes a file.
    assert.equal(parseCommandLine(['taps', '--model', 'm', '--json']).flags.get('json'), true);
    assert.equal(parseCommandLine(['trace', '--model', 'm', '--json', 'out.json']).flags.get('json'), 'out.json');
  });

  it('--max-new-tokens 0 (score the text only) is a valid number', () => {
    const args = parseCommandLine(['trace', '--model', 'm', '--max-new-tokens', '0']);
    assert.equal(
      numberFlag(args, 'max-new-tokens', (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0'),
      0,
    );
  });

  const usageError = (argv: string[], message: RegExp) =>
    assert.throws(
      () => parseCommandLine(argv),
      (e: unknown) => e instanceof UsageError && message.test(e.message) && e.usage.startsWith(`decoder-lens ${argv[0]} `),
    );

  it('an unknown option, a missing value or a stray word is a usage error naming it, with the usage line', () => {
    usageError(['trace', '--model', 'm', '--max-tokens', '5'], /Unknown option --max-tokens/);
    usageError(['trace', '--model'], /--model argument missing/);
    usageError(['trace', '--model', '--text', 'x'], /--model argument is ambiguous/);
    usageError(['taps', 'model-folder'], /Unexpected argument 'model-folder'/);
    usageError(['taps', '--model', 'm', '--json=yes'], /--json/);
    usageError(['compare', '--model', 'a', '--out', 'x'], /Unknown option --out/);
  });

  it('a new command is one table entry', () => {
    const table = { ...COMMANDS, hello: { usage: 'hello --name N', options: { name: { type: 'string' } } } } as const;
    assert.equal(parseArgs(['hello', '--name', 'x'], table).flags.get('name'), 'x');
    assert.throws(() => parseArgs(['hello', '--model', 'x'], table), UsageError);
  });
});
