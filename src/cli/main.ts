import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DecoderLensError } from '../core/errors';
import {
  COMPARE_OPTIONS,
  type CommandSpec,
  BISECT_OPTIONS,
  CHECK_OPTIONS,
  DEMO_OPTIONS,
  OCCLUDE_OPTIONS,
  type ParsedArgs,
  PATCH_OPTIONS,
  RANK_HEADS_OPTIONS,
  TAPS_OPTIONS,
  TRACE_OPTIONS,
  UsageError,
  parseArgs,
  stringFlag,
} from './args';
import { tapsCommand } from './taps';

interface Command extends CommandSpec {
  /** Returns the exit code: 0 done, 1 failed (a DecoderLensError thrown here also gives 1). */
  run(args: ParsedArgs): Promise<number>;
}

/** Every command: its usage, its options (anything else is an error, exit 2) and what it does. */
export const COMMANDS: Record<string, Command> = {
  demo: {
    usage: `demo [--report FILE.html] [--text STR]   decode the built-in demo model, print a summary, write an HTML report
                               (and, in the source tree, compare it with its fine-tuned variant)`,
    options: DEMO_OPTIONS,
    run: demo,
  },
  taps: {
    usage: `taps --model PATH [--variant NAME] [--json]   the attention, mask and hidden-state tensors Decoder Lens can capture
        (exit 1 when a file cannot be read; the JSON lists the error for that file)`,
    options: TAPS_OPTIONS,
    async run(args) {
      const report = await tapsCommand(requireModel(args), { variant: stringFlag(args, 'variant') });
      process.stdout.write(JSON.stringify(report, null, args.flags.has('json') ? undefined : 2) + '\n');
      return report.files.some((f) => f.error) ? 1 : 0;
    },
  },
  trace: {
    usage: `trace --model PATH [--variant NAME] (--text STR | --text-file F) [--max-new-tokens N (0: score the text only)]
        [--strategy greedy|top-k|top-p] [--temperature T] [--top-k K] [--top-p P] [--seed S]
        [--attention-mask 1,1,0,…] [--no-cache] [--hidden-vectors] [--out FILE.dltrace] [--json FILE.json]
        [--lens [--lens-rows last|all] [--lens-k K]]   each layer's next-token distribution (logit lens)
        [--ablate L.H[,L.H…] [--ablate-mode zero|mean]]   with heads ablated (cross:L.H, encoder:L.H; from 0)`,
    options: TRACE_OPTIONS,
    async run(args) {
      // --ablate: the same decode with heads ablated (src/cli/ablate.ts).
      if (args.flags.has('ablate-mode') && !args.flags.has('ablate'))
        throw new UsageError('--ablate-mode needs --ablate L.H[,L.H…].', `decoder-lens ${COMMANDS.trace.usage}`);
      if (args.flags.has('ablate')) await (await import('./ablate.js')).ablateCommand(requireModel(args), args);
      else await (await import('./trace.js')).traceCommand(requireModel(args), args);
      return 0;
    },
  },
  'rank-heads': {
    usage: `rank-heads --model PATH [--variant NAME] (--text STR | --text-file F) [--step K] [--batch N] [--json FILE.json]
        how much the chosen token's probability at step K (from 0) drops when each decoder head is knocked out in turn;
        the JSON: { step, chosen: {id, text}, prob, fed, heads: [{kind, layer, head, prob, drop}] }`,
    options: RANK_HEADS_OPTIONS,
    async run(args) {
      await (await import('./rankHeads.js')).rankHeadsCommand(requireModel(args), args);
      return 0;
    },
  },
  check: {
    usage: `check --model PATH [--variant NAME] (--text STR | --text-file F) [--json FILE.json] [--locale en|zh-cn] [--max-new-tokens N]
        the mask checks, probe decodes included (exit 0 no findings, 3 findings, 1 errors)`,
    options: CHECK_OPTIONS,
    async run(args) {
      return (await import('./check.js')).checkCommand(requireModel(args), args);
    },
  },
  patch: {
    usage: `patch --model PATH [--variant NAME] --clean-text A --corrupt-text B [--batch N] [--json FILE.json]
        how much of the clean next-token probability returns when each layer's clean residual, at each position, is patched into the corrupted run;
        the JSON: { target: {id, text}, cleanProb, corruptProb, cleanIds, corruptIds, layers, probs: [layer][position], recovered: [layer][position] }`,
    options: PATCH_OPTIONS,
    async run(args) {
      await (await import('./patch.js')).patchCommand(requireModel(args), args);
      return 0;
    },
  },
  occlude: {
    usage: `occlude --model PATH [--variant NAME] (--text STR | --text-file F) [--step K] [--batch N] [--json FILE.json]
        how the chosen token's probability at step K (from 0) moves when each input token is hidden in turn (attention mask 0);
        the JSON: { step, chosen: {id, text}, prob, fed, tokens: [{index, id, text, prob, delta}], notes }`,
    options: OCCLUDE_OPTIONS,
    async run(args) {
      await (await import('./occlude.js')).occludeCommand(requireModel(args), args);
      return 0;
    },
  },
  bisect: {
    usage: `bisect --model A [--variant NAME] (--model-b B [--variant-b NAME] | --variant-b NAME) (--text STR | --text-file F)
        [--max-new-tokens N] [--tolerance P (default 0.05)] [--json FILE.json]   where B (quantized or re-exported A) departs:
        A's greedy tokens fed to both; per layer residual error (relative L2), attention JSD and logit-lens Δp; then A's
        residual spliced into B after each layer, and the first layer whose splice restores A's token and p;
        the JSON: { verdict, divergence: {step, token, probA, probB, argmaxB} | null, restoredAfter, tokens, fed, probsA, probsB,
        argmaxB, layers: [{layer, residualError, attentionJsd, lensA, lensB, lensDelta, splicedProbs, splicedArgmax, restores,
        matchesEverywhere}], lensUnavailable, tolerance, a, b }`,
    options: BISECT_OPTIONS,
    async run(args) {
      await (await import('./bisect.js')).bisectCommand(requireModel(args), args);
      return 0;
    },
  },
  compare: {
    usage: `compare --model A [--variant NAME] (--model-b B [--variant-b NAME] | --trace-b FILE.dltrace) (--text STR | --text-file F)
        [--max-new-tokens N] [--json FILE.json] [--html FILE.html] [--no-lens] [--lens-rows last|all] [--bisect]   where two models (or a saved trace) differ
        (--bisect: also the layer bisector on the two models, in the text and the --html page)`,
    options: COMPARE_OPTIONS,
    async run(args) {
      await (await import('./compare.js')).compareCommand(args);
      return 0;
    },
  },
};

const usage = () =>
  `Usage: decoder-lens <command> [options]\n${Object.values(COMMANDS)
    .map((c) => `  ${c.usage}\n`)
    .join('')}PATH is a model folder (Optimum or transformers.js layout with its onnx/ subfolder, or ONNX Runtime GenAI), its onnx/
subfolder, or one .onnx file. NAME picks a variant of the folder: fp32, fp16, q4, q4f16, quantized, int8, uint8, bnb4, or a
file name.
`;

/** The built-in demo model sits beside the bundle (dist/demo-model). */
export const demoModelPath = () => join(__dirname, 'demo-model');
export const DEMO_PROMPT = 'copy: the cat sat on the mat =';

/** Parses a command line against the command table (for callers that run a command's function directly). */
export const parseCommandLine = (argv: string[]) => parseArgs(argv, COMMANDS);

export async function runCli(argv: string[]): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.command === 'help' || args.command === '--help' || args.command === '-h') {
      process.stdout.write(usage());
      return 0;
    }
    const command = args.command === undefined ? undefined : COMMANDS[args.command];
    if (!command) {
      process.stderr.write(`${args.command ? `Unknown command "${args.command}".\n` : ''}${usage()}`);
      return 2;
    }
    if (args.flags.has('help')) {
      process.stdout.write(`Usage: decoder-lens ${command.usage}\n`);
      return 0;
    }
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`decoder-lens: ${error.message}\nUsage: ${error.usage}\n`);
      return 2;
    }
    if (error instanceof DecoderLensError) {
      process.stderr.write(`decoder-lens: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function demo(args: ParsedArgs): Promise<number> {
  // Loaded here, not at the top: ONNX Runtime costs every other command (taps) its load time.
  const [{ traceCommand }, { writeHtmlReport }] = await Promise.all([import('./trace.js'), import('../panelData/node/reportHtml.js')]);
  const trace = await traceCommand(demoModelPath(), withDefaults(args, { text: DEMO_PROMPT }));
  const report = resolve(stringFlag(args, 'report') ?? 'decoder-lens-demo.html');
  writeHtmlReport(trace, __dirname, report);
  process.stdout.write(`\nThe whole trace as an HTML report (opens in any browser): ${report}\n`);
  // In the source tree: the fine-tuned variant of the demo model (the fixtures) shows what Compare does.
  const finetuned = join(__dirname, '..', 'test', 'fixtures', 'models', 'tiny-gpt-finetuned');
  if (existsSync(finetuned) && !args.flags.has('report')) {
    process.stdout.write(`\n── Compare: the demo model vs its fine-tuned variant (${finetuned}) ──\n`);
    const { compareCommand } = await import('./compare.js');
    const text = stringFlag(args, 'text') ?? DEMO_PROMPT;
    const argv = ['compare', '--model', demoModelPath(), '--model-b', finetuned, '--text', text];
    await compareCommand(parseCommandLine([...argv, '--html', 'decoder-lens-compare-demo.html']));
  }
  return 0;
}

function requireModel(args: ParsedArgs): string {
  const model = stringFlag(args, 'model');
  if (!model) throw new UsageError('--model PATH is required.', `decoder-lens ${COMMANDS[args.command ?? '']?.usage ?? ''}`);
  return model;
}

function withDefaults(args: ParsedArgs, defaults: Record<string, string>): ParsedArgs {
  const flags = new Map(args.flags);
  for (const [k, v] of Object.entries(defaults)) if (!flags.has(k) && !(k === 'text' && flags.has('text-file'))) flags.set(k, v);
  return { ...args, flags };
}
