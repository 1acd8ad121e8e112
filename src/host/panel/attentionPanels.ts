/**
 * The extension's entry to the attention panel: one panel, reused, beside the editor; traces saved to storage so
 * a WebviewPanelSerializer can bring the panel back after a window reload.
 */
import * as vscode from 'vscode';
import type { Trace } from '../../core/trace/types';
import type { ModelSummary } from '../../protocol/model';
import type { AblateHeadsRequest, PanelFocus } from '../../protocol/panel';
import { PanelDataService } from '../../panelData/serve';
import { Disposable } from '../dispose';
import { SingletonPanel } from '../singletonPanel';
import { AttentionPanel, type ShownTrace } from './attentionPanel';
import { toPanelData } from '../../panelData/fromTrace';
import { TraceStorage } from './traceStorage';

export class AttentionPanels extends Disposable {
  private readonly panels: SingletonPanel<AttentionPanel>;
  private focusSeq = 0;
  private readonly storage: TraceStorage;
  private readonly log?: (message: string) => void;
  /** Ids of traces already stored: showing the same trace again (another focus) neither copies nor saves it. */
  private readonly stored = new WeakMap<Trace, { id: string; service: PanelDataService }>();

  constructor(
    extensionUri: vscode.Uri,
    storageUri: vscode.Uri,
    options: {
      log?: (message: string) => void;
      /** "Ablate and rerun" from the model grid: reruns this trace with the heads ablated. */
      ablate?: (trace: Trace, request: AblateHeadsRequest) => Promise<unknown>;
    } = {},
  ) {
    super();
    this.storage = new TraceStorage(storageUri);
    this.log = options.log;
    this.panels = this.register(
      new SingletonPanel({
        viewType: AttentionPanel.viewType,
        title: 'Decoder Lens',
        extensionUri,
        wrap: (webviewPanel) => new AttentionPanel(webviewPanel, extensionUri, options.ablate),
        restore: (panel, state) => this.restore(panel, state),
      }),
    );
  }

  /** The open panel, if any. */
  get current(): AttentionPanel | undefined {
    return this.panels.current;
  }

  /**
   * Shows a trace in the panel (creating it beside the editor, or revealing the one there), focused on a
   * position, layer, kind or head if given. Resolves once the trace is stored for restoring after a reload;
   * `storedAs` names a copy already in storage (the compare view stores its traces), which is used instead.
   */
  async show(trace: Trace, focus?: PanelFocus, storedAs?: string): Promise<AttentionPanel> {
    if (!this.stored.has(trace) && TraceStorage.isId(storedAs))
      this.stored.set(trace, { id: storedAs, service: new PanelDataService(toPanelData(trace, storedAs)) });
    const known = this.stored.get(trace);
    const id = known?.id ?? TraceStorage.newId();
    const service = known?.service ?? new PanelDataService(toPanelData(trace, id));
    const shown: ShownTrace = { id, trace, service, focus, focusSeq: ++this.focusSeq };
    const panel = this.panels.open();
    panel.show(shown);
    if (!known) {
      this.stored.set(trace, { id, service });
      await this.storage
        .save(id, trace)
        .catch((error: Error) => this.log?.(`Decoder Lens: could not store the trace for restoring the panel: ${error.message}`));
    }
    return panel;
  }

  /** Shows a model's files and outputs ("Inspect Model Outputs") in the same panel. */
  async showModelSummary(summary: ModelSummary): Promise<AttentionPanel> {
    const panel = this.panels.open();
    await panel.connection.whenReady(15_000, 'The Decoder Lens panel');
    await panel.connection.request('showModel', { summary });
    return panel;
  }

  /** Shows an error message in the panel (it stays until the next trace or summary). */
  async showError(message: string): Promise<AttentionPanel> {
    const panel = this.panels.open();
    await panel.connection.whenReady(15_000, 'The Decoder Lens panel');
    await panel.connection.request('showError', { message });
    return panel;
  }

  /** After a window reload: the webview state names the trace it showed; load it back from storage. */
  private async restore(panel: AttentionPanel, state: unknown): Promise<void> {
    const id = (state as { traceId?: unknown } | undefined)?.traceId;
    const trace = TraceStorage.isId(id) ? await this.storage.load(id) : undefined;
    if (trace && TraceStorage.isId(id)) panel.show({ id, trace, service: new PanelDataService(toPanelData(trace, id)), focusSeq: 0 });
  }
}
