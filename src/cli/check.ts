// `decoder-lens check --model PATH (--text STR | --text-file F) [--json F.json] [--locale zh-cn]`: the mask
// inspector's checks, headless, probe decodes included, so a CI pipeline can lint an export. Exit code: 0 no
// findings, 3 findings (runCli maps errors to 1).
import { writeFileSync } from 'node:fs';
import { decode, openModel } from '../core/decode';
import { SessionCache } from '../core/decode/sessionCache';
import { DecoderLensError } from '../core/errors';
import {
  factsFromInputs,
  planProbes,
  probeOptions,
  runChecks,
  type Evidence,
  type Finding,
  type Locale,
  type ProbeResult,
} from '../core/masks';
import { modelCheckFacts } from '../core/masks/context';
import type { AttentionKind } from '../core/trace/types';
import { stringFlag, type ParsedArgs } from './args';
import { traceOptions } from './trace';

export interface CheckFindingJson {
  check: string;
  /** The layers the finding is about (empty for model-wide findings). */
  layers: number[];
  kind: AttentionKind | null;
  message: string;
  evidence: Evidence[];
  /** Which decode showed it: 'trace' or a probe. */
  run: string;
  severity: string;
}

export interface CheckJson {
  model: string;
  text: string;
  findings: CheckFindingJson[];
  /** What was not checked, and why. */
  notes: string[];
}

/** Default steps generated: enough for the cached-step checks, short enough for CI. */
const DEFAULT_NEW_TOKENS = 6;

export async function checkModel(modelPath: string, args: ParsedArgs): Promise<CheckJson> {
  const options = traceOptions(args);
  const locale = localeOf(stringFlag(args, 'locale'));
  const model = await openModel(modelPath, stringFlag(args, 'variant') ?? '');
  const { context, inputs } = await modelCheckFacts(model, locale);
  const notes: string[] = [];
  const note = (why: string) => void (notes.includes(why) || notes.push(why));
  const sessions = new SessionCache();
  try {
    const trace = await decode(model, sessions, { ...options, maxNewTokens: options.maxNewTokens ?? DEFAULT_NEW_TOKENS });
    const probes: ProbeResult[] = [];
    for (const probe of planProbes(trace, factsFromInputs(inputs), locale, note)) {
      try {
        probes.push({ id: probe.id, trace: await decode(model, sessions, probeOptions(trace, probe)) });
      } catch (error) {
        if (!(error instanceof DecoderLensError)) throw error;
        probes.push({ id: probe.id, error: { code: error.code, message: error.message } });
      }
    }
    const findings = runChecks(trace, probes, note, context);
    return { model: modelPath, text: trace.input.text, findings: findings.map(toJson), notes };
  } finally {
    await sessions.clear();
  }
}

/** Runs the checks, prints them (text, or the JSON file too with --json) and returns the exit code. */
export async function checkCommand(
  modelPath: string,
  args: ParsedArgs,
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const report = await checkModel(modelPath, args);
  const json = stringFlag(args, 'json');
  if (json) writeFileSync(json, JSON.stringify(report, null, 1) + '\n');
  out(formatReport(report));
  return report.findings.length > 0 ? 3 : 0;
}

export function formatReport(report: CheckJson): string {
  const lines: string[] = [];
  if (report.findings.length === 0) lines.push(`No findings for ${report.model}.`);
  for (const f of report.findings) {
    const where = [f.kind, f.layers.length ? `layers ${f.layers.join(',')}` : ''].filter(Boolean).join(' ');
    lines.push(`${f.check}${where ? ` (${where})` : ''}${f.run !== 'trace' ? ` [${f.run}]` : ''}: ${f.message}`);
    for (const e of f.evidence) {
      const cells = e.cells.length ? ` cells ${e.cells.map(([q, k]) => `[${q},${k}]`).join(' ')}` : '';
      const at = e.layer === null ? '' : ` ${e.kind} layer ${e.layer}`;
      lines.push(`    read ${e.read}${at}: ${e.tensor ?? '(unnamed)'}${cells}${e.run !== f.run ? ` (${e.run})` : ''}`);
    }
  }
  for (const n of report.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

function toJson(f: Finding): CheckFindingJson {
  const layers = new Set<number>();
  const kinds = new Set<AttentionKind>();
  for (const c of f.cells) {
    layers.add(c.layer);
    kinds.add(c.kind);
  }
  for (const e of f.evidence ?? []) {
    if (e.layer !== null) layers.add(e.layer);
    if (e.kind !== null) kinds.add(e.kind);
  }
  return {
    check: f.check,
    layers: [...layers].sort((a, b) => a - b),
    kind: kinds.size === 1 ? [...kinds][0] : null,
    message: f.message,
    evidence: f.evidence ?? [],
    run: f.run,
    severity: f.severity,
  };
}

function localeOf(value: string | undefined): Locale | undefined {
  if (value === undefined) return undefined;
  const l = value.toLowerCase();
  if (l === 'en' || l.startsWith('en-')) return 'en';
  if (l === 'zh-cn' || l === 'zh' || l.startsWith('zh-hans')) return 'zh-cn';
  throw new DecoderLensError('bad-input', `--locale ${value}: expected en or zh-cn.`);
}
