/**
 * Runtime benchmarks on the generated GPT-2-small-shaped model, each measured side by side in one run (the rows
 * against plain ONNX Runtime — prefill with every tap, generation, whole process — are in floor.ts):
 *  - KV-cache generation of 64 tokens vs full recompute;
 *  - tokens/s generating 64 tokens while capturing vs transformers.js generating from the same ONNX file.
 */
import { join } from 'node:path';
import { decode } from '../src/core/decode';
import { SessionCache } from '../src/core/decode/sessionCache';
import { openBenchModel } from './models/gpt2';
import { medianMs, type BenchRow } from './table';

const T = 256;
const NEW_TOKENS = 64;

export async function runDecodeBench(log: (line: string) => void): Promise<BenchRow[]> {
  const { dir, model, ids } = await openBenchModel(T, log);
  const sessions = new SessionCache();
  const rows: BenchRow[] = [];
  log('generation of 64 tokens: KV cache vs full recompute…');
  const prompt = model.tokenizer.decode(ids.slice(0, 16));
  const gen = (useCache: boolean, taps: boolean) => decode(model, sessions, { text: prompt, maxNewTokens: NEW_TOKENS, useCache, taps });
  await gen(true, false);
  await gen(false, false);
  const cachedMs = await medianMs(1, () => gen(true, false));
  const recomputeMs = await medianMs(1, () => gen(false, false));
  rows.push({
    name: 'generate 64 tokens with KV cache',
    baseline: 'full recompute each step',
    ratio: cachedMs / recomputeMs,
    detail: `${cachedMs.toFixed(0)} ms vs ${recomputeMs.toFixed(0)} ms (lower is better)`,
  });

  log('tokens/s while capturing vs transformers.js…');
  const capturing = await gen(true, true);
  const theirsRun = await transformersJs(dir, prompt, log);
  // Three interleaved rounds, medians of each side: the machine's noise falls on both alike.
  const ours: number[] = [];
  const theirsTimes: number[] = [];
  for (let round = 0; round < 3 && theirsRun; round++) {
    ours.push(await medianMs(1, () => gen(true, true)));
    theirsTimes.push((await theirsRun.run()).ms);
  }
  if (!theirsRun) ours.push(await medianMs(1, () => gen(true, true)));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const captureMs = median(ours);
  const oursTps = capturing.generated.length / (captureMs / 1000);
  const theirs = theirsRun && { tps: theirsRun.tokens / (median(theirsTimes) / 1000), tokens: theirsRun.tokens };
  await theirsRun?.dispose();
  rows.push(
    theirs
      ? {
          name: 'tokens/s generating 64 tokens while capturing everything',
          baseline: 'transformers.js generate() on the same ONNX file',
          ratio: oursTps / theirs.tps,
          goal: '≥ 1.0',
          detail: `${oursTps.toFixed(1)} vs ${theirs.tps.toFixed(1)} tokens/s (${theirs.tokens} tokens)`,
        }
      : {
          name: 'tokens/s while capturing',
          baseline: 'transformers.js (not run)',
          ratio: NaN,
          detail: 'transformers.js could not run here; see the log above',
        },
  );
  await sessions.clear();
  return rows;
}

/** The part of transformers.js the bench uses (it is an ES module; typed here to keep the bench CommonJS). */
interface TransformersJs {
  env: { allowRemoteModels: boolean; localModelPath: string };
  AutoTokenizer: { from_pretrained(name: string): Promise<(text: string) => Record<string, unknown> & { input_ids: { dims: number[] } }> };
  AutoModelForCausalLM: {
    from_pretrained(name: string, options: object): Promise<{ generate(options: object): Promise<unknown>; dispose(): Promise<unknown> }>;
  };
}

/** transformers.js loaded and warmed up on the bench folder; `run()` times one 64-token generation. */
async function transformersJs(
  dir: string,
  prompt: string,
  log: (line: string) => void,
): Promise<{ run(): Promise<{ ms: number; tokens: number }>; tokens: number; dispose(): Promise<unknown> } | undefined> {
  try {
    // transformers.js is an ES module; load it with a real dynamic import (tsc would turn import() into require()).
    const load = new Function('m', 'return import(m)') as (m: string) => Promise<TransformersJs>;
    const tf = await load('@huggingface/transformers');
    tf.env.allowRemoteModels = false;
    tf.env.localModelPath = join(dir, '..');
    const name = dir.split(/[\\/]/).pop()!;
    const tokenizer = await tf.AutoTokenizer.from_pretrained(name);
    const model = await tf.AutoModelForCausalLM.from_pretrained(name, { dtype: 'fp32', device: 'cpu' });
    const inputs = tokenizer(prompt);
    const run = async () => {
      const start = process.hrtime.bigint();
      const out = (await model.generate({ ...inputs, max_new_tokens: NEW_TOKENS, min_new_tokens: NEW_TOKENS, do_sample: false })) as {
        dims: number[];
      };
      return { ms: Number(process.hrtime.bigint() - start) / 1e6, tokens: out.dims[1] - inputs.input_ids.dims[1] };
    };
    const { tokens } = await run();
    return { run, tokens, dispose: () => model.dispose() };
  } catch (error) {
    log(`transformers.js failed: ${(error as Error).message}`);
    return undefined;
  }
}
