#!/usr/bin/env node
// Builds a platform-specific .vsix that carries only that platform's ONNX Runtime binaries.
// Usage: node scripts/package.mjs [--target linux-x64|linux-arm64|darwin-arm64|win32-x64|win32-arm64] (default: this machine)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const targets = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};
const argIndex = process.argv.indexOf('--target');
const target = argIndex > 0 ? process.argv[argIndex + 1] : `${process.platform}-${process.arch}`;
if (!targets[target]) {
  console.error(`No ONNX Runtime binaries for target "${target}". Choose one of: ${Object.keys(targets).join(', ')}.`);
  process.exit(2);
}

execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });

// Everything out, then back in: the bundles, the demo model, and the ORT runtime for this one platform.
const ignore = [
  '**',
  '!package.json',
  // The manifest's translations (package.nls.*.json) and the vscode.l10n bundles.
  '!package.nls*.json',
  '!l10n/**',
  '!README.md',
  '!LICENSE',
  // The README's screenshots, so its relative image links resolve inside the installed extension.
  '!docs/screenshots/**',
  '!dist/**',
  'dist/**/*.map',
  '!node_modules/onnxruntime-node/package.json',
  '!node_modules/onnxruntime-node/dist/**',
  `!node_modules/onnxruntime-node/bin/napi-v6/${targets[target]}/**`,
  '!node_modules/onnxruntime-common/package.json',
  '!node_modules/onnxruntime-common/dist/cjs/**',
].join('\n');
const tmp = mkdtempSync(join(tmpdir(), 'decoder-lens-package-'));
const ignoreFile = join(tmp, '.vscodeignore');
writeFileSync(ignoreFile, ignore);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `decoder-lens-${target}-${version}.vsix`);
try {
  const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  execFileSync(
    process.execPath,
    [
      vsce,
      'package',
      '--target',
      target,
      '--ignoreFile',
      ignoreFile,
      '--out',
      out,
      '--allow-missing-repository',
      '--skip-license',
      '--no-rewrite-relative-links',
    ],
    { cwd: root, stdio: 'inherit' },
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`Packaged ${out}`);
