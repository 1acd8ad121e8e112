import * as path from 'node:path';
import * as vscode from 'vscode';
import { type CommandArgs, type CommandId, Commands, InternalCommands, registerCommand } from './commands';
import { ComparePanels } from './compare/comparePanel';
import { ablateHeads } from './compare/ablateHeads';
import { bisectAgainst, runBisect } from './compare/bisectLayers';
import { compareWith } from './compare/compareWith';
import { showHeadRanking } from './compare/rankHeads';
import { decodeSelection } from './decode/decodeSelection';
import { reportError } from './decode/runDecode';
import { TraceStore, type DecodedRange } from './decode/traceStore';
import { TraceDecorations } from './editor/decorations';
import { AttentionHoverProvider } from './editor/hoverProvider';
import { TraceEditorProvider } from './editor/traceEditor';
import { whyThisToken } from './editor/whyThisToken';
import { InterventionsPanels } from './interventions/interventionsPanel';
import { patchActivations } from './interventions/patchActivations';
import { MasksViewProvider } from './inspector/masksView';
import { workerRunner } from './inspector/runner';
import { AttentionPanels } from './panel';
import { log } from './log';
import { profileHostIfAsked } from './hostProfile';
import { ModelRegistry } from './models/modelRegistry';
import { ModelPreparer } from './models/prepareModel';
import { selectModel } from './models/selectModel';
import { onSettingsChanged, readSettings, settingId, updateSetting } from './settings';
import { StatusBar } from './statusBar';
import { saveTrace, openTrace } from './traceFiles';
import { WorkerClient } from './workerClient';

export interface DecoderLensApi {
  /** For the integration tests. */
  readonly worker: WorkerClient;
  readonly store: TraceStore;
  readonly decorations: TraceDecorations;
  /** The Masks view (mask inspector): its session, reruns and what its webview last rendered. */
  readonly masks: MasksViewProvider;
  /** The compare view ("Compare With…"): the comparison shown and what its webview last rendered. */
  readonly compare: ComparePanels;
  /** The interventions view (Rank Heads, Why This Token?, Patch Activations…): the results shown and what it rendered. */
  readonly interventions: InterventionsPanels;
  /** The attention panel: the trace shown and the selection its webview reported. */
  readonly attention: AttentionPanels;
  /** The workspace's models and the one chosen (remembered in workspace state). */
  readonly registry: ModelRegistry;
  /** `.dltrace` files opened as editors (each tab an attention panel). */
  readonly traceEditor: TraceEditorProvider;
}

export function activate(context: vscode.ExtensionContext): DecoderLensApi {
  const subscriptions = context.subscriptions;
  subscriptions.push(log);
  const profiling = profileHostIfAsked((m) => log.info(m));
  if (profiling) subscriptions.push(profiling);
  const worker = new WorkerClient(context.extensionPath);
  subscriptions.push({ dispose: () => void worker.dispose() });
  const registry = new ModelRegistry(context.workspaceState, path.join(context.extensionPath, 'dist', 'demo-model'));
  const store = new TraceStore();
  const decorations = new TraceDecorations(store);
  const status = new StatusBar(registry, worker);
  // Constructed synchronously: it registers the serializer that restores panels after a reload.
  const attention = new AttentionPanels(context.extensionUri, context.globalStorageUri, {
    log: (m) => log.warn(m),
    ablate: (trace, { heads, mode }) => ablateHeads({ worker, store, compare }, { heads, mode }, trace),
  });
  const compare: ComparePanels = new ComparePanels(context.extensionUri, context.globalStorageUri, {
    showTrace: (trace, focus, storedAs): Promise<unknown> => attention.show(trace, focus, storedAs),
    log: (m) => log.warn(m),
    bisect: (models) => runBisect(worker, models),
  });
  const interventions = new InterventionsPanels(context.extensionUri);
  subscriptions.push(registry, store, decorations, status, attention, compare, interventions);
  // Surgery and sessions of the selected (or only) model start now, not at the first Decode Selection.
  const preparer = new ModelPreparer(registry, worker);
  subscriptions.push(preparer);
  void preparer.refresh();
  const masks = new MasksViewProvider(context.extensionUri, workerRunner(worker), { log: (m) => log.warn(m) });
  subscriptions.push(
    masks,
    // The inspector follows the latest decode; its reruns (and the run picked in it) show in the attention panel.
    store.onDidChange(() => {
      const current = store.current;
      if (current) masks.show(current.trace);
    }),
    masks.onDidActivateRun((trace) => void attention.show(trace)),
  );

  const show = (result: DecodedRange, focus?: { position?: number; layer?: number }) => void attention.show(result.trace, focus);
  const register = <K extends CommandId>(id: K, run: (...args: CommandArgs<K>) => unknown) =>
    subscriptions.push(registerCommand(vscode.commands, id, run));

  const decodeDeps = { worker, registry, store, show, setBusy: (b: string | undefined) => status.setBusy(b) };
  register(Commands.decodeSelection, () => decodeSelection(decodeDeps));
  // The text's own probabilities, attention, masks and lens, with nothing generated.
  register(Commands.scoreSelection, () => decodeSelection(decodeDeps, { mode: 'score' }));
  register(Commands.selectModel, (args) => selectModel(registry, false, args ?? {}));
  // From the palette (no argument: a dialog asks), the explorer's context menu or a test (the Uri to compare with).
  register(Commands.compareWith, (target, variant) =>
    compareWith({ worker, store, compare }, target instanceof vscode.Uri ? target : undefined, variant),
  );
  register(Commands.bisectAgainst, (target, variant) =>
    bisectAgainst({ worker, store, compare }, target instanceof vscode.Uri ? target : undefined, variant),
  );
  register(Commands.ablateHeads, (args) => ablateHeads({ worker, store, compare }, args && Array.isArray(args.heads) ? args : undefined));
  // The attention panel's trace and query (positions axis): where Why This Token? and Rank Heads look by default.
  const panelQuery = () => {
    const panel = attention.current;
    const trace = panel?.trace?.trace;
    return trace && panel.selection && panel.selection.kind !== 'encoder' ? { trace, query: panel.selection.query } : undefined;
  };
  register(Commands.whyThisToken, (step) =>
    whyThisToken({ worker, store, decorations, interventions, panelQuery }, typeof step === 'number' ? step : undefined),
  );
  register(Commands.rankHeads, (step) =>
    showHeadRanking({ worker, store, interventions, panelQuery }, typeof step === 'number' ? step : undefined),
  );
  register(Commands.patchActivations, (corruptText) =>
    patchActivations({ worker, store, interventions }, typeof corruptText === 'string' ? corruptText : undefined),
  );
  register(Commands.showAttentionPanel, () => {
    const current = store.current;
    if (current) show(current);
    else
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Decoder Lens: decode a selection first (Decoder Lens: Decode Selection), or open a saved trace.'),
      );
  });
  register(InternalCommands.focusPanel, (args) => {
    const result = args && store.byId(args.resultId);
    if (result) show(result, { position: args.query, layer: args.layer });
  });
  register(Commands.openMaskInspector, () => vscode.commands.executeCommand(`${MasksViewProvider.viewId}.focus`));
  register(Commands.saveTrace, () => saveTrace(store.current?.trace));
  register(Commands.openTrace, async () => {
    const trace = await openTrace();
    if (!trace) return;
    log.info(`Opened a trace of ${trace.model.path}`);
    masks.show(trace);
    await attention.show(trace);
  });
  // A double-clicked .dltrace: its editor tab shows the trace; the Masks view follows it as with Open Trace.
  const traceEditor = new TraceEditorProvider(context.extensionUri, (trace) => {
    log.info(`Opened a trace file of ${trace.model.path}`);
    masks.show(trace);
  });
  subscriptions.push(traceEditor);
  register(Commands.toggleDecorations, async () => {
    const enabled = !decorations.isEnabled;
    await updateSetting('decorations.enabled', enabled);
    decorations.setEnabled(enabled);
  });
  register(Commands.inspectModel, async (modelPath) => {
    const active = await registry.active();
    const target = typeof modelPath === 'string' ? modelPath : active.path;
    try {
      const connection = await worker.get();
      const summary = await connection.request('inspectModel', {
        modelPath: target,
        modelVariant: target === active.path ? active.variant : '',
      });
      await attention.showModelSummary(summary);
      return summary;
    } catch (error) {
      void attention.showError((error as Error).message).catch(() => undefined);
      void reportError(error, Commands.selectModel);
      return undefined;
    }
  });

  subscriptions.push(
    vscode.languages.registerHoverProvider({ scheme: '*' }, new AttentionHoverProvider(store)),
    vscode.window.registerWebviewViewProvider(MasksViewProvider.viewId, masks),
    onSettingsChanged((e) => {
      if (e.affectsConfiguration(settingId('decorations.enabled'))) decorations.setEnabled(readSettings().decorationsEnabled);
    }),
  );
  return { worker, store, decorations, masks, compare, interventions, attention, registry, traceEditor };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
