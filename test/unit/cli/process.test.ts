// The built CLI as a user runs it (`node dist/cli.js …`, after `node scripts/build.mjs`): exit codes and messages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tmpDir } from '../onnx/helpers';
import { fixture, repoRoot } from '../paths';

const cli = join(repoRoot, 'dist', 'cli.js');

function run(...args: string[]) {
  assert.ok(existsSync(cli), `${cli} is missing: build first (node scripts/build.mjs)`);
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('decoder-lens process', () => {
  it('an unknown flag: exit 2, the flag named, the usage line of that command', () => {
    const r = run('trace', '--model', fixture('tiny-gpt'), '--text', 'x', '--max-tokens', '3');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option --max-tokens/);
    assert.match(r.stderr, /Usage: decoder-lens trace --model PATH/);
    assert.equal(r.stdout, '');
  });

  it('a missing value: exit 2', () => {
    const r = run('taps', '--model');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--model argument missing/);
    assert.match(r.stderr, /Usage: decoder-lens taps/);
  });

  it('an unknown command: exit 2 with the usage of every command', () => {
    const r = run('tarce');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown command "tarce"/);
    for (const c of ['demo', 'taps', 'trace', 'compare']) assert.match(r.stderr, new RegExp(`\\n  ${c} `));
  });

  it('taps: exit 0 when every file reads, exit 1 when one cannot be read (the JSON still lists every file)', () => {
    const ok = run('taps', '--model', fixture('tiny-gpt'), '--json');
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok((JSON.parse(ok.stdout) as { files: unknown[] }).files.length >= 3);

    const dir = tmpDir();
    writeFileSync(join(dir, 'broken.onnx'), 'not a model');
    writeFileSync(join(dir, 'empty.onnx'), '');
    const bad = run('taps', '--model', dir, '--json');
    assert.equal(bad.code, 1);
    const files = (JSON.parse(bad.stdout) as { files: { file: string; error?: { code: string } }[] }).files;
    assert.deepEqual(
      files.map((f) => [f.file, f.error?.code]),
      [
        ['broken.onnx', 'not-onnx'],
        ['empty.onnx', files[1].error?.code],
      ],
    );
    assert.ok(files[1].error, 'an empty file is an error too');
  });

  it('a model path that does not exist: exit 1 with a message naming it', () => {
    const missing = join(tmpDir(), 'nope');
    const r = run('taps', '--model', missing);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope/);
  });
});
