/** One benchmark figure: a ratio against a named baseline, measured side by side in the same run. */
export interface BenchRow {
  name: string;
  baseline: string;
  ratio: number;
  goal?: string;
  detail: string;
}

export function printTable(rows: BenchRow[]): string {
  const lines = ['| measure | against | ratio | goal | detail |', '|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.name} | ${r.baseline} | ${r.ratio.toFixed(3)} | ${r.goal ?? ''} | ${r.detail} |`);
  return lines.join('\n');
}

/** Median of several timed runs, in milliseconds. */
export async function medianMs(runs: number, body: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await body();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
