/**
 * The inspector's state for the trace it follows: the original run, its findings (the trace-only checks first,
 * the probe-based ones when the worker has run the probes), an optional rerun with a mask override and the
 * comparison of the two. vscode-free: the runner is injected (the worker in the extension, the core in tests).
 * Thin: the grids' pooling, the checks and the comparison read whole layers (about a second each at T = 4,096),
 * so they run where the runner's `compute` puts them (the worker), never on the extension-host thread.
 */
import {
  maskProblem,
  planProbes,
  probeOptions,
  rerunOptions,
  type CheckContext,
  type Finding,
  type ModelFacts,
  type ProbeResult,
  type RunComparison,
  type RunOptions,
  type TapFacts,
} from '../../core/masks';
import type { GridRequest, PooledGrid } from '../../core/masks/grids';
import type { Trace } from '../../core/trace/types';
import {
  OVERVIEW_CELLS,
  type InspectorGrid,
  type InspectorGridRequest,
  type InspectorRun,
  type InspectorSnapshot,
} from '../../protocol/inspector';
import { RemoteError, isAbortError, toErrorPayload } from '../../protocol/rpc';
import { hiddenLabel, rerunLabel, toComparison, toFinding, toGrid, toRun } from './snapshot';
import { viewModel } from '../../panelData/fromTrace';
import { english, type Localize } from '../localize';

export interface InspectorRunner {
  /** A decode the person asked for (with progress); undefined when they cancelled it. */
  rerun(modelPath: string, options: RunOptions): Promise<Trace | undefined>;
  /** A background decode for a check; rejects with an abort error when `signal` fires. */
  probe(modelPath: string, options: RunOptions, signal: AbortSignal): Promise<Trace>;
  /**
   * What the checks need to know about the model beyond the trace; `checks`: the graph facts (taps, attention
   * ops, the declared window) the checks take, so GroupQueryAttention and name-only layers get no false findings.
   */
  facts(trace: Trace): Promise<ModelFacts & { checks?: CheckContext }>;
  /** Where the Masks view's heavy work runs. */
  compute: InspectorCompute;
}

/** The Masks view's work over whole layers: the worker in the extension (runner.ts), in-process in tests. */
export interface InspectorCompute {
  /** Every layer's grid pooled to at most `side` a side. */
  grids(trace: Trace, taps: readonly TapFacts[], side: number): Promise<PooledGrid[]>;
  /** One grid as the view asks for it; null when the trace has no such layer. */
  grid(trace: Trace, request: GridRequest, taps: readonly TapFacts[]): Promise<PooledGrid | null>;
  /** The checks on the trace alone, or every check with the probe decodes' results; notes: what they could not check. */
  check(trace: Trace, context: Omit<CheckContext, 'note'>, probes?: ProbeResult[]): Promise<{ findings: Finding[]; notes: string[] }>;
  compare(base: Trace, other: Trace): Promise<RunComparison>;
  /** Traces the session no longer shows. */
  forget(traces: Trace[]): void;
}

interface Shown {
  original: Trace;
  probe?: Trace;
  rerun?: Trace;
  /** Each rerun gets its own id, so the view can tell a new one from the last. */
  rerunId: string;
  findings: { finding: Finding; runId: string }[];
  notes: string[];
  checking: boolean;
  activeRunId: string;
  runs: Map<string, InspectorRun>;
  /** The graph facts of the model's taps, once the worker has read them (fused ops' implied masks come from them). */
  taps: TapFacts[];
  /** Each run's grids, pooled to OVERVIEW_CELLS a side, once computed. */
  grids: Map<string, InspectorGrid[]>;
  /** The original against the rerun, once computed. */
  comparison?: RunComparison;
  /** Settles when the original's grids and trace-only findings are in. */
  ready: Promise<void>;
}

export class InspectorSession {
  private seq = 0;
  private reruns = 0;
  private shown?: Shown;
  private probes?: AbortController;
  /** The probe run of the shown trace, once started (they cost decodes: only when someone looks). */
  private checked?: Promise<void>;

  constructor(
    private readonly runner: InspectorRunner,
    private readonly changed: (snapshot: InspectorSnapshot) => void,
    private readonly log: (message: string) => void = () => undefined,
    /** The run labels and notes the view shows (the extension passes vscode.l10n.t). */
    private readonly t: Localize = english,
    /** The display language: the checks word their findings in it (English unless Chinese; the extension passes vscode.env.language). */
    language = 'en',
  ) {
    this.checks = { locale: /^zh(-cn|-hans.*|-sg)?$/i.test(language) ? 'zh-cn' : 'en' };
  }
  private readonly checks: CheckContext;
  private get compute(): InspectorCompute {
    return this.runner.compute;
  }

  get original(): Trace | undefined {
    return this.shown?.original;
  }
  get rerunTrace(): Trace | undefined {
    return this.shown?.rerun;
  }
  /** The trace of the run the view has open. */
  get active(): Trace | undefined {
    const s = this.shown;
    if (!s) return undefined;
    return s.activeRunId === s.rerunId ? s.rerun : s.activeRunId === this.runId('probe') ? s.probe : s.original;
  }

  /**
   * Follows a new trace: its grids and the checks that need no decode are computed off the host, then the view
   * gets the snapshot (`ready()` settles then); `check()` runs the rest.
   */
  show(trace: Trace): void {
    if (this.shown?.original === trace) return;
    this.probes?.abort();
    this.checked = undefined;
    const old = this.shown;
    if (old) this.compute.forget([old.original, old.probe, old.rerun].filter((t): t is Trace => !!t));
    this.seq++;
    const runId = this.runId('original');
    const s: Shown = {
      original: trace,
      rerunId: '',
      findings: [],
      notes: [],
      checking: true,
      activeRunId: runId,
      runs: new Map(),
      taps: [],
      grids: new Map(),
      ready: Promise.resolve(),
    };
    this.shown = s;
    s.ready = this.prepare(trace, s.taps).then((done) => {
      if (this.shown !== s) return;
      s.grids.set(runId, done.grids);
      s.findings.push(...done.findings.map((finding) => ({ finding, runId })));
      s.notes.push(...done.notes);
      this.emit();
    });
  }

  /** Settles when the shown trace's grids and first findings are in (the view's first snapshot). */
  ready(): Promise<void> {
    return this.shown?.ready ?? Promise.resolve();
  }

  /** Runs the probe decodes of the shown trace (once) and resolves when their findings are in. */
  check(): Promise<void> {
    if (!this.shown) return Promise.resolve();
    return (this.checked ??= this.runProbes(this.shown));
  }

  async rerun(mask: readonly number[]): Promise<InspectorSnapshot | null> {
    const s = this.shown;
    if (!s) throw new RemoteError({ code: 'bad-input', message: this.t('Decode a selection first: there is nothing to rerun.') });
    const problem = maskProblem(s.original, mask);
    if (problem) throw new RemoteError({ code: 'bad-input', message: problem });
    const trace = await this.runner.rerun(s.original.model.path, rerunOptions(s.original, mask));
    if (!trace || this.shown !== s) return this.snapshot();
    await s.ready;
    const [done, comparison] = await Promise.all([
      this.prepare(trace, s.taps),
      this.compute.compare(s.original, trace).catch((error: Error) => {
        this.log(`mask inspector: comparing the rerun failed: ${error.stack ?? error}`);
        return undefined;
      }),
    ]);
    if (this.shown !== s) return this.snapshot();
    this.dropRerun(s);
    s.rerun = trace;
    s.rerunId = `${this.runId('rerun')}-${++this.reruns}`;
    s.grids.set(s.rerunId, done.grids);
    s.comparison = comparison;
    s.findings.push(...done.findings.map((finding) => ({ finding, runId: s.rerunId })));
    s.activeRunId = s.rerunId;
    this.emit();
    return this.snapshot();
  }

  reset(): InspectorSnapshot | null {
    const s = this.shown;
    if (s) {
      this.dropRerun(s);
      s.activeRunId = this.runId('original');
      this.emit();
    }
    return this.snapshot();
  }

  private dropRerun(s: Shown): void {
    if (s.rerun) this.compute.forget([s.rerun]);
    s.rerun = undefined;
    s.comparison = undefined;
    s.findings = s.findings.filter((f) => f.runId !== s.rerunId);
    s.runs.delete(s.rerunId);
    s.grids.delete(s.rerunId);
  }

  /** Returns the run's trace when it exists. */
  activate(runId: string): Trace | undefined {
    const s = this.shown;
    if (!s || !this.snapshot()?.runs.some((r) => r.runId === runId)) return undefined;
    s.activeRunId = runId;
    return this.active;
  }

  /** One grid of a shown run at the size the view asks for (downsampled, or a block at full resolution). */
  async grid(request: InspectorGridRequest): Promise<InspectorGrid | null> {
    const s = this.shown;
    if (!s) return null;
    const trace =
      request.runId === this.runId('original')
        ? s.original
        : request.runId === s.rerunId
          ? s.rerun
          : request.runId === this.runId('probe')
            ? s.probe
            : undefined;
    if (!trace) return null;
    const { runId: _, ...asked } = request;
    const grid = await this.compute.grid(trace, asked, s.taps);
    return grid && toGrid(grid);
  }

  snapshot(): InspectorSnapshot | null {
    const s = this.shown;
    if (!s) return null;
    const o = s.original;
    const t = this.t;
    const runs = [this.run(s, this.runId('original'), 'original', o, t('Original'))];
    // The probe run is worth showing only as the evidence of a finding.
    if (s.probe && s.findings.some((f) => f.runId === this.runId('probe')))
      runs.push(this.run(s, this.runId('probe'), 'probe', s.probe, t('Check: {0}', hiddenLabel(s.probe, t))));
    if (s.rerun) runs.push(this.run(s, s.rerunId, 'rerun', s.rerun, rerunLabel(s.rerun, t)));
    return {
      seq: this.seq,
      model: viewModel(o.model),
      runs,
      activeRunId: runs.some((r) => r.runId === s.activeRunId) ? s.activeRunId : runs[0].runId,
      findings: s.findings.map(({ finding, runId }) => toFinding(finding, runId)),
      checking: s.checking,
      checkNotes: s.notes,
      comparison: s.rerun && s.comparison ? toComparison(s.comparison, this.runId('original'), s.rerunId) : null,
    };
  }

  dispose(): void {
    this.probes?.abort();
  }

  private runId(role: 'original' | 'probe' | 'rerun'): string {
    return `${this.seq}-${role}`;
  }

  private run(s: Shown, id: string, role: 'original' | 'probe' | 'rerun', trace: Trace, label: string): InspectorRun {
    const grids = s.grids.get(id);
    // Until the worker has pooled the grids, the run goes without (the view is sent it once they are in).
    if (!grids) return toRun(trace, id, role, label, []);
    let run = s.runs.get(id);
    if (!run) s.runs.set(id, (run = toRun(trace, id, role, label, grids)));
    return run;
  }

  /** A run's grids and the checks on its trace alone, computed off the host; a failure becomes a note. */
  private async prepare(
    trace: Trace,
    taps: readonly TapFacts[],
  ): Promise<{ grids: InspectorGrid[]; findings: Finding[]; notes: string[] }> {
    try {
      const [grids, checked] = await Promise.all([this.compute.grids(trace, taps, OVERVIEW_CELLS), this.compute.check(trace, this.checks)]);
      return { grids: grids.map(toGrid), ...checked };
    } catch (error) {
      this.log(`mask inspector: the grids or checks failed: ${(error as Error).stack ?? error}`);
      return { grids: [], findings: [], notes: [(error as Error).message] };
    }
  }

  /** Every shown run's grids again (the taps changed). */
  private async regrid(s: Shown): Promise<void> {
    const shown: [string, Trace | undefined][] = [
      [this.runId('original'), s.original],
      [this.runId('probe'), s.probe],
      [s.rerunId, s.rerun],
    ];
    for (const [id, trace] of shown) {
      if (!trace) continue;
      try {
        const grids = (await this.compute.grids(trace, s.taps, OVERVIEW_CELLS)).map(toGrid);
        s.grids.set(id, grids);
        s.runs.delete(id);
      } catch (error) {
        this.log(`mask inspector: the grids failed: ${(error as Error).stack ?? error}`);
      }
    }
  }

  private async runProbes(s: Shown): Promise<void> {
    const controller = (this.probes = new AbortController());
    const note = (why: string) => s.notes.push(why);
    const results: ProbeResult[] = [];
    try {
      await s.ready;
      const facts = await this.runner.facts(s.original).catch((): ModelFacts & { checks?: CheckContext } => ({}));
      if (facts.checks?.taps?.some((t) => t.implied) && this.shown === s) {
        // Fused ops' implied masks: the runs' grids are made again with them.
        s.taps = facts.checks.taps;
        await this.regrid(s);
        if (this.shown === s) this.emit();
      }
      for (const probe of planProbes(s.original, facts, this.checks.locale, note)) {
        if (controller.signal.aborted) return;
        try {
          results.push({
            id: probe.id,
            trace: await this.runner.probe(s.original.model.path, probeOptions(s.original, probe), controller.signal),
          });
        } catch (error) {
          if (isAbortError(error) || controller.signal.aborted) return;
          results.push({ id: probe.id, error: toErrorPayload(error) });
        }
      }
      if (this.shown !== s) return;
      const probeRunId = this.runId('probe');
      // The graph facts (taps, window) from the worker, worded in the display language.
      const { note: _, ...context } = { ...facts.checks, ...this.checks };
      const checked = await this.compute.check(s.original, context, results);
      if (this.shown !== s) return;
      checked.notes.forEach(note);
      const all = checked.findings;
      s.probe = results.flatMap((r) => (r.id === 'mask-probe' && 'trace' in r ? [r.trace] : []))[0];
      if (s.probe && all.some((f) => f.run === 'mask-probe'))
        s.grids.set(probeRunId, (await this.compute.grids(s.probe, s.taps, OVERVIEW_CELLS)).map(toGrid));
      if (this.shown !== s) return;
      const kept = s.findings.filter((f) => f.runId !== this.runId('original'));
      s.findings = [
        ...all.map((finding) => ({ finding, runId: finding.run === 'mask-probe' ? probeRunId : this.runId('original') })),
        ...kept,
      ];
    } catch (error) {
      note(this.t('The checks that need extra decodes did not run: {0}', (error as Error).message));
      this.log(`mask inspector: probes failed: ${(error as Error).stack ?? error}`);
    } finally {
      if (this.shown === s) {
        s.checking = false;
        this.emit();
      }
    }
  }

  private emit(): void {
    const snapshot = this.snapshot();
    if (snapshot) this.changed(snapshot);
  }
}
