/**
 * The inspector's state for the trace it follows: the original run, its findings (the trace-only checks at
 * once, the probe-based ones when the worker has run the probes), an optional rerun with a mask override and
 * the comparison of the two. vscode-free: the runner is injected (the worker in the extension, the core in tests).
 */
import {
  checkTrace,
  compareRuns,
  maskProblem,
  planProbes,
  probeOptions,
  rerunOptions,
  runChecks,
  type CheckContext,
  type Finding,
  type ModelFacts,
  type ProbeResult,
  type RunOptions,
  type TapFacts,
} from '../../core/masks';
import type { Trace } from '../../core/trace/types';
import type { InspectorGrid, InspectorGridRequest, InspectorRun, InspectorSnapshot } from '../../protocol/inspector';
import { RemoteError, isAbortError, toErrorPayload } from '../../protocol/rpc';
import { gridOf, hiddenLabel, rerunLabel, toComparison, toFinding, toRun, type GridCache } from './snapshot';
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
  /** The layer the view last asked for, at full resolution (dropped with the trace it belongs to). */
  private gridCache: GridCache = {};

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

  /** Follows a new trace and runs the checks that need no decode; `check()` runs the rest. */
  show(trace: Trace): void {
    if (this.shown?.original === trace) return;
    this.probes?.abort();
    this.checked = undefined;
    this.gridCache = {};
    this.seq++;
    const findings = checkTrace(trace, 'trace', this.checks).map((finding) => ({ finding, runId: this.runId('original') }));
    this.shown = {
      original: trace,
      rerunId: '',
      findings,
      notes: [],
      checking: true,
      activeRunId: this.runId('original'),
      runs: new Map(),
      taps: [],
    };
    this.emit();
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
    s.findings = s.findings.filter((f) => f.runId !== s.rerunId);
    s.runs.delete(s.rerunId);
    s.rerun = trace;
    s.rerunId = `${this.runId('rerun')}-${++this.reruns}`;
    s.findings.push(...checkTrace(trace, 'trace', this.checks).map((finding) => ({ finding, runId: s.rerunId })));
    s.activeRunId = s.rerunId;
    this.emit();
    return this.snapshot();
  }

  reset(): InspectorSnapshot | null {
    const s = this.shown;
    if (s) {
      s.rerun = undefined;
      s.findings = s.findings.filter((f) => f.runId !== s.rerunId);
      s.runs.delete(s.rerunId);
      s.activeRunId = this.runId('original');
      this.emit();
    }
    return this.snapshot();
  }

  /** Returns the run's trace when it exists. */
  activate(runId: string): Trace | undefined {
    const s = this.shown;
    if (!s || !this.snapshot()?.runs.some((r) => r.runId === runId)) return undefined;
    s.activeRunId = runId;
    return this.active;
  }

  /** One grid of a shown run at the size the view asks for (downsampled, or a block at full resolution). */
  grid(request: InspectorGridRequest): InspectorGrid | null {
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
    return trace ? gridOf(trace, request, s.taps, this.gridCache) : null;
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
      comparison: s.rerun ? toComparison(compareRuns(o, s.rerun), this.runId('original'), s.rerunId) : null,
    };
  }

  dispose(): void {
    this.probes?.abort();
  }

  private runId(role: 'original' | 'probe' | 'rerun'): string {
    return `${this.seq}-${role}`;
  }

  private run(s: Shown, id: string, role: 'original' | 'probe' | 'rerun', trace: Trace, label: string): InspectorRun {
    let run = s.runs.get(id);
    if (!run) s.runs.set(id, (run = toRun(trace, id, role, label, s.taps)));
    return run;
  }

  private async runProbes(s: Shown): Promise<void> {
    const controller = (this.probes = new AbortController());
    const note = (why: string) => s.notes.push(why);
    const results: ProbeResult[] = [];
    try {
      const facts = await this.runner.facts(s.original).catch((): ModelFacts & { checks?: CheckContext } => ({}));
      if (facts.checks?.taps?.some((t) => t.implied) && this.shown === s) {
        // Fused ops' implied masks: the runs' grids are made again with them.
        s.taps = facts.checks.taps;
        s.runs.clear();
        this.emit();
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
      const all = runChecks(s.original, results, note, { ...facts.checks, ...this.checks });
      s.probe = results.flatMap((r) => (r.id === 'mask-probe' && 'trace' in r ? [r.trace] : []))[0];
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
