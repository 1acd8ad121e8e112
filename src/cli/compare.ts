// `decoder-lens compare --model A [--variant V] (--model-b B [--variant-b V] | --trace-b FILE.dltrace) --text … [--max-new-tokens N]
// [--json OUT.json] [--html OUT.html] [--no-lens] [--lens-rows last|all]`: runs the same input through both (or
// against a saved trace) and reports where they differ. Prints a readable report; --json writes the whole
// report, --html the compare view as a standalone page; --bisect adds the layer bisector (text and page).
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decode, openModel } from '../core/decode';
import { SessionCache } from '../core/decode/sessionCache';
import { type CompareReport, type VocabComparison, compareTokenizerFiles, compareTraces, formatReport } from '../core/compare';
import { DecoderLensError } from '../core/errors';
import { findModelLayout } from '../core/model/layout';
import { readTraceFile } from '../core/trace/readTraceFile';
import type { Trace } from '../core/trace/types';
import { type BisectReport, bisect } from '../core/interventions/bisect';
import { formatBisect } from '../panelData/bisectText';
import { writeCompareReport } from '../panelData/node/compareReportHtml';
import { stringFlag, type ParsedArgs } from './args';
import { traceOptions } from './trace';

export interface CompareOutput {
  /** Where the compare view's bundle is (the CLI bundle's own folder), for `--html`. */
  distDir?: string;
  /** Where the readable report goes (stdout). */
  write?: (text: string) => void;
}

export async function compareCommand(
  args: ParsedArgs,
  { distDir = __dirname, write = (text) => void process.stdout.write(text) }: CompareOutput = {},
): Promise<CompareReport> {
  const pathA = stringFlag(args, 'model');
  const pathB = stringFlag(args, 'model-b');
  const traceFile = stringFlag(args, 'trace-b');
  if (!pathA) throw new DecoderLensError('bad-input', '--model PATH is required (model A: an Optimum model folder or an .onnx file).');
  if (args.flags.has('bisect') && !pathB)
    throw new DecoderLensError('bad-input', '--bisect runs two models: give --model-b PATH (not a saved trace).');
  if (!pathB === !traceFile)
    throw new DecoderLensError(
      'bad-input',
      'Give what to compare with: --model-b PATH (a second model) or --trace-b FILE.dltrace (a saved trace).',
    );
  const saved = traceFile ? await readTraceFile(traceFile) : undefined;
  const options = traceOptions(saved ? withSavedInput(args, saved) : args);
  if (saved && !args.flags.has('max-new-tokens'))
    Object.assign(options, {
      maxNewTokens: saved.settings.maxNewTokens,
      sampling: saved.settings.sampling,
      useCache: saved.settings.useCache,
      attentionMask: saved.settings.attentionMask,
    });
  const rows = stringFlag(args, 'lens-rows') ?? 'last';
  if (rows !== 'last' && rows !== 'all') throw new DecoderLensError('bad-input', `--lens-rows ${rows}: expected last or all.`);
  const lens = args.flags.has('no-lens') ? false : ({ rows, k: 10 } as const);

  const sessions = new SessionCache();
  try {
    const sameFolder = !!pathB && resolve(pathA) === resolve(pathB);
    const run = async (path: string, variant: string | undefined): Promise<{ trace: Trace; dir: string; label: string }> => {
      const model = await openModel(path, variant ?? '');
      // Two variants of one folder (fp32 vs q4) differ only by variant: say it in the labels.
      const label = variant || sameFolder ? `${path} [${model.layout.variant.name}]` : path;
      return { trace: await decode(model, sessions, { ...options, lens }), dir: model.layout.dir, label };
    };
    const a = await run(pathA, stringFlag(args, 'variant'));
    const b = pathB ? await run(pathB, stringFlag(args, 'variant-b')) : { trace: saved!, dir: savedModelDir(saved!), label: traceFile! };
    const vocabulary = b.dir ? safeVocab(a.dir, b.dir) : null;
    const report = compareTraces(
      { trace: a.trace, label: a.label, lens: a.trace.lens },
      { trace: b.trace, label: b.label, lens: b.trace.lens },
      vocabulary,
    );
    if (!vocabulary)
      report.notes.push(
        `The saved trace's model folder (${saved?.model.path}) is not here: the vocabularies could not be compared; token ids are assumed to match.`,
      );
    const json = stringFlag(args, 'json');
    if (json) writeFileSync(json, JSON.stringify(report, null, 1));
    write(formatReport(report));
    let bisected: BisectReport | undefined;
    if (args.flags.has('bisect') && pathB) {
      const [modelA, modelB] = [
        await openModel(pathA, stringFlag(args, 'variant') ?? ''),
        await openModel(pathB, stringFlag(args, 'variant-b') ?? ''),
      ];
      bisected = await bisect(modelA, modelB, { text: options.text, maxNewTokens: Math.max(1, options.maxNewTokens ?? 16) });
      write(`\n${formatBisect(bisected)}`);
    }
    const html = stringFlag(args, 'html');
    if (html) {
      writeHtml(report, distDir, resolve(html), bisected);
      write(`\nThe comparison as an HTML report (opens in any browser): ${resolve(html)}\n`);
    }
    return report;
  } finally {
    await sessions.clear();
  }
}

/** The saved trace's input text unless the user gave one (then it must be the same input to compare). */
function withSavedInput(args: ParsedArgs, saved: Trace): ParsedArgs {
  if (args.flags.has('text') || args.flags.has('text-file')) return args;
  return { ...args, flags: new Map([...args.flags, ['text', saved.input.text]]) };
}

function savedModelDir(trace: Trace): string {
  try {
    return findModelLayout(trace.model.path).dir;
  } catch {
    return '';
  }
}

function safeVocab(dirA: string, dirB: string): VocabComparison | null {
  try {
    return compareTokenizerFiles(dirA, dirB);
  } catch (error) {
    if (error instanceof DecoderLensError) return null;
    throw error;
  }
}

function writeHtml(report: CompareReport, distDir: string, file: string, bisected?: BisectReport): void {
  try {
    writeCompareReport(report, distDir, file, bisected);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !existsSync(`${distDir}/webview/compare.js`))
      throw new DecoderLensError('not-found', `The compare view's bundle is not in ${distDir}: build first (npm run build).`);
    throw new DecoderLensError('bad-input', `Cannot write ${file}: ${(error as Error).message}`, file);
  }
}
