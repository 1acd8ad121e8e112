import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DecoderLensError } from '../core/errors';
import { parseArgs, stringFlag, type ParsedArgs } from './args';
import { tapsCommand } from './taps';

const USAGE = `Usage: decoder-lens <command> [options]
  demo [--report FILE.html]    decode the built-in demo model, print a summary, write an HTML report
                               (and, in the source tree, compare it with its fine-tuned variant)
  taps  --model PATH [--json]  the attention, mask and hidden-state tensors Decoder Lens can capture
  trace --model PATH (--text STR | --text-file F) [--max-new-tokens N]
        [--strategy greedy|top-k|top-p] [--temperature T] [--top-k K] [--top-p P] [--seed S]
        [--attention-mask 1,1,0,…] [--no-cache] [--hidden-vectors] [--out FILE.dltrace] [--json FILE.json]
        [--lens [--lens-rows last|all] [--lens-k K]]   each layer's next-token distribution (logit lens)
        [--ablate L.H[,L.H…] [--ablate-mode zero|mean]]   with heads ablated (cross:L.H, encoder:L.H; from 0)
  rank-heads --model PATH (--text STR | --text-file F) [--step K] [--batch N] [--json FILE.json]
        the drop in the chosen token's probability at step K when each head is knocked out in turn
  compare --model A (--model-b B | --trace-b FILE.dltrace) (--text STR | --text-file F) [--max-new-tokens N]
        [--json FILE.json] [--html FILE.html] [--no-lens] [--lens-rows last|all]   where two models (or a saved trace) differ
PATH is an Optimum model folder (decoder_model.onnx, …, config.json, tokenizer.json) or one .onnx file.
`;

/** The built-in demo model sits beside the bundle (dist/demo-model). */
export const demoModelPath = () => join(__dirname, 'demo-model');
export const DEMO_PROMPT = 'copy: the cat sat on the mat =';

export async function runCli(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  try {
    switch (args.command) {
      case 'demo': {
        // Loaded here, not at the top: ONNX Runtime costs every other command (taps) its load time.
        const [{ traceCommand }, { writeHtmlReport }] = await Promise.all([import('./trace.js'), import('../panelData/reportHtml.js')]);
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
          await compareCommand(
            parseArgs([
              'compare',
              '--model',
              demoModelPath(),
              '--model-b',
              finetuned,
              '--text',
              text,
              '--html',
              'decoder-lens-compare-demo.html',
            ]),
          );
        }
        return 0;
      }
      case 'taps': {
        const report = await tapsCommand(requireModel(args));
        process.stdout.write(JSON.stringify(report, null, args.flags.has('json') ? undefined : 2) + '\n');
        return 0;
      }
      case 'trace':
        // Interventions: `trace --ablate …` decodes with heads ablated (src/cli/ablate.ts).
        if (args.flags.has('ablate')) await (await import('./ablate.js')).ablateCommand(requireModel(args), args);
        else await (await import('./trace.js')).traceCommand(requireModel(args), args);
        return 0;
      case 'rank-heads':
        await (await import('./rankHeads.js')).rankHeadsCommand(requireModel(args), args);
        return 0;
      case 'compare':
        await (await import('./compare.js')).compareCommand(args);
        return 0;
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return 0;
      default:
        process.stderr.write(`${args.command ? `Unknown command "${args.command}".\n` : ''}${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof DecoderLensError) {
      process.stderr.write(`decoder-lens: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function requireModel(args: ParsedArgs): string {
  const model = stringFlag(args, 'model');
  if (!model) throw new DecoderLensError('bad-input', '--model PATH is required (an Optimum model folder or an .onnx file).');
  return model;
}

function withDefaults(args: ParsedArgs, defaults: Record<string, string>): ParsedArgs {
  const flags = new Map(args.flags);
  for (const [k, v] of Object.entries(defaults)) if (!flags.has(k) && !(k === 'text' && flags.has('text-file'))) flags.set(k, v);
  return { ...args, flags };
}
