/**
 * The whole-process floor: `node plainProcess.js JOB.json` loads one ONNX file with plain onnxruntime-node and
 * runs the job's token ids through the greedy KV loop, printing the chosen ids as JSON. Nothing else is loaded.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { plainGreedy } from './plainLoop';

export interface PlainJob {
  file: string;
  ids: number[];
  newTokens: number;
  options: ort.InferenceSession.SessionOptions;
}

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8')) as PlainJob;
  const session = await ort.InferenceSession.create(job.file, job.options);
  const tokens = await plainGreedy(session, job.ids, job.newTokens);
  process.stdout.write(JSON.stringify(tokens));
}

if (require.main === module)
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
