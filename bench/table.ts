/** One benchmark figure: a ratio against a named baseline, measured side by side in the same run. */
export interface BenchRow {
  name: string;
  baseline: string;
  ratio: number;
  /** Lowest and highest per-pair ratio, when the figure is the median of interleaved pairs. */
  spread?: [number, number];
  goal?: string;
  detail: string;
}

/** Whether a ratio meets a goal written as '≤ x', '< x', '≥ x' or '> x' ('' when there is none or no ratio). */
export function meets(ratio: number, goal: string | undefined): string {
  const m = goal && /^([≤<≥>])\s*([\d.]+)/.exec(goal);
  if (!m || !Number.isFinite(ratio)) return '';
  const x = Number(m[2]);
  const ok = m[1] === '≤' ? ratio <= x : m[1] === '<' ? ratio < x : m[1] === '≥' ? ratio >= x : ratio > x;
  return ok ? 'yes' : 'no';
}

export function printTable(rows: BenchRow[]): string {
  const lines = ['| measure | against | ratio | spread | goal | met | detail |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const spread = r.spread && r.spread.every(Number.isFinite) ? `${r.spread[0].toFixed(2)}–${r.spread[1].toFixed(2)}` : '';
    const ratio = Number.isFinite(r.ratio) ? r.ratio.toFixed(3) : 'n/a';
    lines.push(`| ${r.name} | ${r.baseline} | ${ratio} | ${spread} | ${r.goal ?? ''} | ${meets(r.ratio, r.goal)} | ${r.detail} |`);
  }
  return lines.join('\n');
}

/** The README's short form: what, against what, the median ratio with its spread, the goal and whether it is met. */
export function printShortTable(rows: BenchRow[]): string {
  const lines = ['| measure | against | ratio (spread over pairs) | goal |', '|---|---|---|---|'];
  for (const r of rows) {
    if (!Number.isFinite(r.ratio)) continue;
    const spread = r.spread && r.spread.every(Number.isFinite) ? ` (${r.spread[0].toFixed(2)}–${r.spread[1].toFixed(2)})` : '';
    const met = meets(r.ratio, r.goal);
    lines.push(
      `| ${r.name} | ${r.baseline} | ${r.ratio.toFixed(2)}${spread} | ${r.goal ? `${r.goal}${met === 'no' ? ' — not met' : ''}` : ''} |`,
    );
  }
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

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Per-pair ratios of interleaved measurements, summarised: the median ratio, its spread and each side's median. */
export interface PairSummary {
  ratio: number;
  spread: [number, number];
  measured: number;
  baseline: number;
  pairs: number;
}

/**
 * `rounds` rounds of every side, the order rotated each round so no side always runs first (page cache,
 * allocator, CPU frequency and the neighbours' load fall on all alike). Each side returns its figure (e.g.
 * milliseconds); `round[k]` is side k's figure in that round.
 */
export async function interleaved(rounds: number, sides: (() => Promise<number>)[]): Promise<number[][]> {
  const out: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const round = new Array<number>(sides.length);
    for (let j = 0; j < sides.length; j++) {
      const k = (j + r) % sides.length;
      round[k] = await sides[k]();
    }
    out.push(round);
  }
  return out;
}

/** Side `measured` against side `baseline` over interleaved rounds: the median of the per-round ratios and their spread. */
export function summarise(rounds: number[][], measured: number, baseline = 0): PairSummary {
  const ratios = rounds.map((r) => r[measured] / r[baseline]);
  return {
    ratio: median(ratios),
    spread: [Math.min(...ratios), Math.max(...ratios)],
    measured: median(rounds.map((r) => r[measured])),
    baseline: median(rounds.map((r) => r[baseline])),
    pairs: rounds.length,
  };
}

/** Milliseconds of one run of `body`. */
export async function timeMs(body: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export interface Timing {
  wall: number;
  cpu: number;
}

/** Wall and process CPU milliseconds (user + system, every ORT thread) of one run of `body`. */
export async function timed(body: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await body();
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - start) / 1e6, cpu: (used.user + used.system) / 1000 };
}

/**
 * A side that records its process CPU time (user + system, every ORT thread) beside the wall time it returns:
 * on a shared machine wall time swings with the neighbours' load, CPU time much less. `cpu[i]` is round i's.
 */
export function withCpu(body: () => Promise<unknown>): { side: () => Promise<number>; cpu: number[] } {
  const cpu: number[] = [];
  const side = async () => {
    const used = process.cpuUsage();
    const ms = await timeMs(body);
    const d = process.cpuUsage(used);
    cpu.push((d.user + d.system) / 1000);
    return ms;
  };
  return { side, cpu };
}

/** Median of the per-round ratios of two sides' recorded figures. */
export const medianRatio = (measured: number[], baseline: number[]) => median(measured.map((m, i) => m / baseline[i]));

/** How many interleaved pairs a section runs: DECODER_LENS_BENCH_PAIRS overrides the section's default. */
export const pairCount = (fallback: number) => Number(process.env.DECODER_LENS_BENCH_PAIRS) || fallback;

export const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;
