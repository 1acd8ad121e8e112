// The built CLI as a user runs it (`node dist/cli.js …`, after `node scripts/build.mjs`): exit codes and messages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
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

  it('a command with --help: its usage on stdout, exit 0', () => {
    const r = run('taps', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: decoder-lens taps --model PATH/);
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

  it('--variant picks the file on trace and taps; an unknown variant is exit 1 naming the ones there are', () => {
    const json = join(tmpDir(), 'trace.json');
    const tjs = fixture('tiny-gpt-tjs');
    const r = run('trace', '--model', tjs, '--variant', 'q4', '--text', 'copy: cat on mat =', '--max-new-tokens', '4', '--json', json);
    assert.equal(r.code, 0, r.stderr);
    const model = (JSON.parse(readFileSync(json, 'utf8')) as { model: { variant: { name: string }; files: string[] } }).model;
    assert.equal(model.variant.name, 'q4');
    assert.deepEqual(
      model.files.map((f) => basename(f)),
      ['model_q4.onnx'],
    );

    const taps = run('taps', '--model', tjs, '--variant', 'model_int8.onnx', '--json');
    assert.equal(taps.code, 0, taps.stderr);
    assert.deepEqual(
      (JSON.parse(taps.stdout) as { files: { file: string }[] }).files.map((f) => f.file),
      ['onnx/model_int8.onnx'],
    );
    const all = run('taps', '--model', tjs, '--json');
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      (JSON.parse(all.stdout) as { files: { file: string; variant?: string }[] }).files.map((f) => [f.file, f.variant]),
      [
        ['onnx/model.onnx', 'fp32'],
        ['onnx/model_bnb4.onnx', 'bnb4'],
        ['onnx/model_fp16.onnx', 'fp16'],
        ['onnx/model_int8.onnx', 'int8'],
        ['onnx/model_q4.onnx', 'q4'],
        ['onnx/model_q4f16.onnx', 'q4f16'],
      ],
    );

    const bad = run('trace', '--model', tjs, '--variant', 'q2', '--text', 'x');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /No variant "q2".*fp32 \(model\.onnx/);
  });

  it('a model path that does not exist: exit 1 with a message naming it', () => {
    const missing = join(tmpDir(), 'nope');
    const r = run('taps', '--model', missing);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope/);
  });
});
