import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../paths';

/** Every import specifier of every .ts file below a folder. */
function importsBelow(dir: string): { file: string; spec: string }[] {
  const out: { file: string; spec: string }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g))
          out.push({ file: relative(repoRoot, p), spec: m[1] });
      }
    }
  };
  walk(join(repoRoot, dir));
  return out;
}

test('the core imports neither vscode, the host, the worker nor the webviews', () => {
  const bad = importsBelow('src/core').filter(
    ({ spec }) => spec === 'vscode' || /\/(host|worker)\//.test(spec) || spec.includes('webview'),
  );
  assert.deepEqual(bad, []);
});

test('the graph core does not run models', () => {
  const bad = importsBelow('src/core/onnx').filter(({ spec }) => spec === 'onnxruntime-node' || spec.includes('/decode'));
  assert.deepEqual(bad, []);
});

test('the extension host never loads ONNX Runtime or the decoder (inference runs in the worker)', () => {
  const bad = importsBelow('src/host').filter(
    ({ spec }) => spec === 'onnxruntime-node' || /core\/(decode\/(?!options|sampling)|onnx|lens(?!\/(outputs|hidden)))/.test(spec),
  );
  assert.deepEqual(bad, []);
});

test('webviews import only the protocol and their own code', () => {
  const bad = importsBelow('webview').filter(
    ({ spec }) => spec.startsWith('node:') || spec === 'vscode' || /src\/(core|host|worker)\//.test(spec),
  );
  assert.deepEqual(bad, []);
});
