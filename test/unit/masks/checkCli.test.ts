// `decoder-lens check` on every fixture: silent on the correct ones, exactly its check on each broken one, every
// finding naming what it read; and no finding from a layer whose kind was inferred from names alone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { checkCommand, checkModel } from '../../../src/cli/check';
import { parseCommandLine as parseArgs, runCli } from '../../../src/cli/main';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { checkTrace, planProbes, probeOptions, runChecks, type ProbeResult, type TapFacts } from '../../../src/core/masks';
import { findTaps, readModel } from '../../../src/core/onnx';
import type { ModelInfo } from '../../../src/core/onnx';
import { tmpDir } from '../onnx/helpers';
import { fixture } from '../paths';

const GPT_TEXT = 'copy: the red fox saw a big moon =';
const T5_TEXT = 'the red fox saw a big moon';
const textFor = (model: string) => (/t5|nn-transformer/.test(model) ? T5_TEXT : GPT_TEXT);
const args = (model: string, ...extra: string[]) => parseArgs(['check', '--model', fixture(model), '--text', textFor(model), ...extra]);

describe('check: silent on correct exports', () => {
  for (const model of [
    'tiny-gpt',
    'tiny-gpt-finetuned',
    'tiny-gpt-positions-from-mask',
    'tiny-gpt-dynamo',
    'tiny-gpt-window',
    'tiny-t5',
    'tiny-nn-transformer',
    // Other helpers' exporter fixtures: transformers.js, quantized, ORT-optimised, GenAI (GroupQueryAttention).
    'tiny-gpt-tjs',
    'tiny-t5-quantized',
    'tiny-gpt-ort-optimized',
    'tiny-gpt-genai',
    'tiny-gpt-gqa-lengths',
  ]) {
    test(model, async () => {
      const report = await checkModel(fixture(model), args(model));
      assert.deepEqual(
        report.findings.map((f) => f.message),
        [],
      );
    });
  }
});

describe('the trace-only path (no graph facts, as the Masks view runs the checks) is silent on the new exports too', () => {
  const sessions = new SessionCache();
  after(() => sessions.clear());
  for (const model of ['tiny-nn-transformer', 'tiny-gpt-dynamo', 'tiny-gpt-window']) {
    test(model, async () => {
      const opened = await openModel(fixture(model));
      const trace = await decode(opened, sessions, { text: textFor(model), maxNewTokens: 4 });
      const probes: ProbeResult[] = [];
      for (const p of planProbes(trace)) probes.push({ id: p.id, trace: await decode(opened, sessions, probeOptions(trace, p)) });
      assert.ok(probes.length > 0, 'the mask probe ran');
      assert.deepEqual(
        runChecks(trace, probes).map((f) => f.message),
        [],
      );
    });
  }
});

test('GroupQueryAttention takes lengths, not a mask: the mask probe is not run, and a note says why', async () => {
  const report = await checkModel(fixture('tiny-gpt-genai'), args('tiny-gpt-genai'));
  assert.deepEqual(report.findings, []);
  assert.ok(
    report.notes.some((n) => /mask probe was not run: the attention takes sequence lengths/.test(n)),
    report.notes.join('\n'),
  );
});

describe('check: each broken export fires exactly its check, with evidence', () => {
  const cases: [model: string, check: string, kind: string | null, layers: number[]][] = [
    ['tiny-gpt-no-causal', 'causal', 'self', [0, 1]],
    ['tiny-gpt-ignores-mask', 'mask-mismatch', 'self', [0, 1]],
    ['tiny-gpt-kv-upper-left', 'causal-alignment', 'self', [0, 1]],
    ['tiny-gpt-positions-ignore-padding', 'positions', null, []],
    ['tiny-t5-cross-reads-padding', 'cross-padding', 'cross', [0, 1]],
    ['tiny-gpt-window-ignored', 'window', 'self', [0, 1]],
  ];
  for (const [model, check, kind, layers] of cases) {
    test(`${model} → ${check}`, async () => {
      const report = await checkModel(fixture(model), args(model));
      assert.deepEqual(
        report.findings.map((f) => [f.check, f.kind, f.layers]),
        [[check, kind, layers]],
      );
      const [f] = report.findings;
      assert.ok(f.evidence.length > 0, 'says what it read');
      for (const e of f.evidence) {
        assert.ok(e.tensor, `names the tensor it read: ${JSON.stringify(e)}`);
        if (e.read === 'attention' || e.read === 'mask') {
          assert.ok(e.cells.length > 0, 'and the cells');
          // The tensor is one findTaps reports for that layer (the graph's own name).
        }
      }
    });
  }

  test('the window finding names the config key, the mask tensor and a cell more than the window apart', async () => {
    const report = await checkModel(fixture('tiny-gpt-window-ignored'), args('tiny-gpt-window-ignored'));
    const [f] = report.findings;
    assert.deepEqual(f.evidence[0], {
      run: 'trace',
      layer: null,
      kind: null,
      read: 'config',
      tensor: 'config.json: sliding_window',
      cells: [],
    });
    const taps = findTaps(await readModel(fixture('tiny-gpt-window-ignored', 'decoder_model.onnx'))).attention;
    for (const e of f.evidence.slice(1)) {
      assert.equal(e.tensor, taps.find((t) => t.layer === e.layer)!.mask);
      const [q, k] = e.cells[0];
      assert.ok(q - k >= 4, `cell [${q}, ${k}] lies outside a window of 4`);
    }
  });

  test('a short text cannot show the window: no finding, a note says why', async () => {
    const report = await checkModel(
      fixture('tiny-gpt-window-ignored'),
      parseArgs(['check', '--model', fixture('tiny-gpt-window-ignored'), '--text', 'the cat', '--max-new-tokens', '1']),
    );
    assert.deepEqual(report.findings, []);
    assert.ok(
      report.notes.some((n) => /sliding window \(4\) was not checked/.test(n)),
      report.notes.join('\n'),
    );
  });

  test('zh-cn: the same finding in Chinese', async () => {
    const report = await checkModel(fixture('tiny-gpt-no-causal'), args('tiny-gpt-no-causal', '--locale', 'zh-cn'));
    assert.equal(report.findings[0].check, 'causal');
    assert.match(report.findings[0].message, /缺少因果掩码/);
    assert.match(report.findings[0].message, /第 0 和 1 层的自注意力/);
  });
});

describe('check: exit codes and the JSON file', () => {
  test('0 without findings, 3 with findings (and --json writes them), 1 on errors', async () => {
    const out = join(tmpDir(), 'findings.json');
    const printed: string[] = [];
    const print = (s: string) => void printed.push(s);
    const codes = [
      await checkCommand(fixture('tiny-gpt'), args('tiny-gpt'), print),
      await checkCommand(fixture('tiny-gpt-no-causal'), args('tiny-gpt-no-causal', '--json', out), print),
    ];
    assert.match(printed[0], /No findings/);
    assert.match(printed[1], /^causal \(self layers 0,1\): The causal mask is missing/);
    assert.match(printed[1], /\n {4}read mask self layer 0: \S+ cells \[0,1\]/);
    // Errors reach runCli as DecoderLensError, which it reports on stderr with exit code 1.
    const errors = process.stderr.write.bind(process.stderr);
    const said: string[] = [];
    process.stderr.write = ((s: string) => (said.push(String(s)), true)) as typeof process.stderr.write;
    try {
      codes.push(await runCli(['check', '--model', join(tmpDir(), 'missing'), '--text', 'x']));
      codes.push(await runCli(['check', '--model', fixture('tiny-gpt')]));
    } finally {
      process.stderr.write = errors;
    }
    assert.deepEqual(codes, [0, 3, 1, 1]);
    assert.match(said.join(''), /does not exist[\s\S]*--text/);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { findings: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(json.findings[0]).slice(0, 5), ['check', 'layers', 'kind', 'message', 'evidence']);
    assert.equal(json.findings[0].check, 'causal');
  });
});

describe('no finding from a kind inferred by name alone', () => {
  const sessions = new SessionCache();
  after(() => sessions.clear());

  /** The real tiny-t5 decoder with its encoder_hidden_states input renamed: only the scope says "cross". */
  function withoutEncoderName(info: ModelInfo): ModelInfo {
    const rename = (n: string) => (n === 'encoder_hidden_states' ? 'context' : n);
    const graph = {
      ...info.graph,
      inputs: info.graph.inputs.map((i) => ({ ...i, name: rename(i.name) })),
      nodes: info.graph.nodes.map((n) => ({ ...n, inputs: n.inputs.map(rename) })),
    };
    return { ...info, graph };
  }

  test('findTaps says the cross kind came from the scope name', async () => {
    const info = withoutEncoderName(await readModel(fixture('tiny-t5-cross-reads-padding', 'decoder_model.onnx')));
    const cross = findTaps(info).attention.filter((a) => a.kind === 'cross');
    assert.equal(cross.length, 2);
    for (const a of cross) assert.equal(a.inferred.kind, 'scope');
  });

  test('the cross-padding check does not fire on those layers, and says why', async () => {
    const model = await openModel(fixture('tiny-t5-cross-reads-padding'));
    const trace = await decode(model, sessions, { text: T5_TEXT, maxNewTokens: 3, attentionMask: [1, 1, 1, 0, 1, 1, 1, 1] });
    const structural = findTaps(await readModel(fixture('tiny-t5-cross-reads-padding', 'decoder_model.onnx'))).attention;
    const facts = (info: ModelInfo): TapFacts[] =>
      findTaps(info).attention.map((a) => ({ layer: a.layer, kind: a.kind, tensor: a.tensor, mask: a.mask, inferred: a.inferred }));
    // With the graph's structure the finding is there …
    assert.deepEqual(
      checkTrace(trace, 'trace', {
        taps: facts({ ...(await readModel(fixture('tiny-t5-cross-reads-padding', 'decoder_model.onnx'))) }),
      }).map((f) => f.check),
      ['cross-padding'],
    );
    assert.ok(structural.every((a) => a.inferred.kind === 'structure'));
    // … with the kind known from names alone it is not, and a note says so.
    const notes: string[] = [];
    const named = facts(withoutEncoderName(await readModel(fixture('tiny-t5-cross-reads-padding', 'decoder_model.onnx'))));
    assert.deepEqual(checkTrace(trace, 'trace', { taps: named, note: (n) => notes.push(n) }), []);
    assert.equal(notes.length, 2);
    assert.match(notes[0], /No check ran on cross-attention \(layer 0, .*\): its kind was inferred from node names alone/);
  });
});
