// Shared helpers for the ONNX core tests: temp files, fixture paths, ORT feeds, and attention checks.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../../../src/core/errors';
import type { ErrorCode } from '../../../src/core/errors';
import { fixture } from '../paths';

export { ort };

const dirs: string[] = [];
process.on('exit', () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

export function tmpDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dl-onnx-test-'));
  dirs.push(d);
  return d;
}

export function writeTmp(name: string, bytes: Uint8Array | string, dir = tmpDir()): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** A committed fixture; fails (not skips) with a clear message when it is missing. */
export function fixtureFile(model: string, file: string): string {
  const p = fixture(model, file);
  assert.ok(existsSync(p), `fixture ${p} is missing: generate it with \`npm run fixtures\` (test/fixtures/make_fixtures.py)`);
  return p;
}

interface TensorCase {
  dtype: 'int64' | 'float32' | 'bool';
  dims: number[];
  data: (number | boolean)[];
}

export interface CheckCase {
  file: string;
  tolerance: number;
  inputs: Record<string, TensorCase>;
  outputs: Record<string, TensorCase>;
}

/** The fixture's check.json cases (feeds and expected outputs per file; `outputs_same_as` points at another case). */
export function checkCases(model: string): CheckCase[] {
  const json = JSON.parse(readFileSync(fixtureFile(model, 'check.json'), 'utf8')) as {
    tolerance: number;
    cases: (CheckCase & { outputs_same_as?: number })[];
  };
  const raw = json.cases;
  return raw.map((c) => ({ ...c, tolerance: json.tolerance, outputs: c.outputs ?? raw[c.outputs_same_as ?? -1]?.outputs ?? {} }));
}

export function toTensor(c: TensorCase): ort.Tensor {
  if (c.dtype === 'int64') return new ort.Tensor('int64', BigInt64Array.from(c.data.map((v) => BigInt(v as number))), c.dims);
  if (c.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(c.data.map((v) => (v ? 1 : 0))), c.dims);
  return new ort.Tensor('float32', Float32Array.from(c.data as number[]), c.dims);
}

export function feedsOf(c: CheckCase): Record<string, ort.Tensor> {
  return Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, toTensor(v)]));
}

export async function expectError(
  body: Promise<unknown> | (() => unknown),
  code: ErrorCode | ErrorCode[],
  mentions?: string,
): Promise<DecoderLensError> {
  let error: unknown;
  try {
    await (typeof body === 'function' ? body() : body);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof DecoderLensError, `expected a DecoderLensError, got ${error instanceof Error ? error.stack : String(error)}`);
  const codes = Array.isArray(code) ? code : [code];
  assert.ok(codes.includes(error.code), `expected code ${codes.join('|')}, got ${error.code}: ${error.message}`);
  if (mentions) assert.ok(error.message.includes(mentions), `message should name ${mentions}: ${error.message}`);
  return error;
}

export interface ProbsCheck {
  heads: number;
  queries: number;
  keys: number;
  batch?: number;
  /** Causal self attention: query i (at absolute position pastLen + i) sees keys 0..pastLen+i. */
  causalPast?: number;
  /** Keys hidden per batch row (padding), must get zero probability. */
  hiddenKeys?: number[][];
}

/** Attention probabilities: shape [b, heads, q, k], rows sum to 1, zeros where the model must not look. */
export function assertProbabilities(t: ort.Tensor, c: ProbsCheck, label: string): void {
  const [b, h, q, k] = t.dims;
  assert.deepEqual(t.dims.slice(1), [c.heads, c.queries, c.keys], `${label}: dims ${t.dims}`);
  if (c.batch !== undefined) assert.equal(b, c.batch, `${label}: batch`);
  const data = t.data as Float32Array;
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      for (let qi = 0; qi < q; qi++) {
        const row = data.subarray(((bi * h + hi) * q + qi) * k, ((bi * h + hi) * q + qi + 1) * k);
        const sum = row.reduce((s, x) => s + x, 0);
        const hidden = (ki: number) =>
          (c.causalPast !== undefined && ki > c.causalPast + qi) || (c.hiddenKeys?.[bi]?.includes(ki) ?? false);
        // A query that may see nothing (a padded position) gets a uniform row: nothing to check there.
        if (Array.from({ length: k }, (_, ki) => ki).every(hidden)) continue;
        assert.ok(Math.abs(sum - 1) < 1e-4, `${label}: row b${bi} h${hi} q${qi} sums to ${sum}`);
        for (let ki = 0; ki < k; ki++) {
          if (hidden(ki)) assert.ok(row[ki] < 1e-6, `${label}: b${bi} h${hi} q${qi} attends to hidden key ${ki} (${row[ki]})`);
        }
      }
    }
  }
}

export function assertSameTensor(a: ort.Tensor, b: ort.Tensor, label: string): void {
  assert.deepEqual(a.dims, b.dims, `${label}: dims`);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  for (let i = 0; i < x.length; i++) assert.equal(x[i], y[i], `${label}: differs at ${i}: ${x[i]} vs ${y[i]}`);
}

/**
 * Close within float32 rounding. A tapped tensor is a graph output, so ONNX Runtime cannot fuse the node making
 * it (e.g. the last residual Add into SkipLayerNormalization), and fused kernels round differently in the last bit.
 */
export function assertClose(a: ort.Tensor, b: ort.Tensor, label: string, tolerance = 1e-5): void {
  assert.deepEqual(a.dims, b.dims, `${label}: dims`);
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  for (let i = 0; i < x.length; i++) {
    assert.ok(Math.abs(x[i] - y[i]) <= tolerance * (1 + Math.abs(y[i])), `${label}: differs at ${i}: ${x[i]} vs ${y[i]}`);
  }
}
