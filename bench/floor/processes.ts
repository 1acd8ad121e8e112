/** Runs measured node child processes: wall time, peak resident memory, and a memory watchdog for the heavy ones. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PlainJob } from './plainProcess';

export interface ProcessRun {
  ms: number;
  /** Peak resident memory in bytes (from the child's own resource usage), NaN when it did not report. */
  peakRss: number;
  /** CPU time of the child (user + system, all threads), ms; NaN when it did not report. */
  cpu: number;
  stdout: string;
  /** Set when the watchdog stopped the child: the resident memory it had reached. */
  killedAt?: number;
}

/** The repository root (the bench runs from out/bench/…). */
export const repoRoot = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

export const cliPath = join(repoRoot, 'dist', 'cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'decoder-lens-bench-run-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** A file in this run's scratch folder (deleted when the bench exits). */
export const scratchFile = (name: string) => join(scratch, name);

/** Resident memory of a live process (Linux /proc), or NaN elsewhere. */
function residentBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * `node --require peakRss.js args…`, timed from spawn to exit. With `killAbove` (bytes), the child is polled
 * every 100 ms and stopped once its resident memory passes that (so a heavy run cannot take the machine down).
 */
export function runNode(args: string[], o: { killAbove?: number; label?: string } = {}): Promise<ProcessRun> {
  const rssFile = scratchFile(`rss-${process.hrtime.bigint()}`);
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--require', join(__dirname, 'peakRss.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DECODER_LENS_BENCH_RSS: rssFile },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let killedAt: number | undefined;
  const watch =
    o.killAbove === undefined
      ? undefined
      : setInterval(() => {
          const rss = residentBytes(child.pid!);
          if (rss > o.killAbove! && killedAt === undefined) {
            killedAt = rss;
            child.kill('SIGKILL');
          }
        }, 100);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (watch) clearInterval(watch);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const usage = existsSync(rssFile)
        ? (JSON.parse(readFileSync(rssFile, 'utf8')) as { rss: number; cpu: number })
        : { rss: NaN, cpu: NaN };
      rmSync(rssFile, { force: true });
      if (killedAt !== undefined) return resolve({ ms, peakRss: killedAt, cpu: usage.cpu, stdout, killedAt });
      if (code !== 0) return reject(new Error(`${o.label ?? `node ${args.join(' ')}`} exited with ${code}: ${stderr.slice(-2000)}`));
      resolve({ ms, peakRss: usage.rss, cpu: usage.cpu, stdout });
    });
  });
}

/** The plain onnxruntime-node process on `job` (its chosen ids parsed from stdout). */
export async function runPlainProcess(job: PlainJob, o: { killAbove?: number } = {}): Promise<ProcessRun & { tokens: number[] }> {
  const jobFile = scratchFile(`job-${process.hrtime.bigint()}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  const run = await runNode([join(__dirname, 'plainProcess.js'), jobFile], { ...o, label: 'the plain ORT process' });
  rmSync(jobFile, { force: true });
  return { ...run, tokens: run.killedAt === undefined ? (JSON.parse(run.stdout) as number[]) : [] };
}

/** `node dist/cli.js trace --model DIR --text-file … [extra…]`, the text written to a scratch file first. */
export async function runTraceProcess(dir: string, text: string, extra: string[], o: { killAbove?: number } = {}): Promise<ProcessRun> {
  const textFile = scratchFile(`prompt-${process.hrtime.bigint()}.txt`);
  writeFileSync(textFile, text);
  const run = await runNode([cliPath, 'trace', '--model', dir, '--text-file', textFile, ...extra], { ...o, label: 'decoder-lens trace' });
  rmSync(textFile, { force: true });
  return run;
}
