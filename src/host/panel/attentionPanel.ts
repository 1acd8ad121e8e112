/**
 * One attention panel (a webview beside the editor). It holds the shown trace's data service and answers the
 * webview's requests from it; the webview never receives the whole trace, only what it shows.
 */
import * as vscode from 'vscode';
import { Connection } from '../../protocol/rpc';
import type { Trace } from '../../core/trace/types';
import type {
  AblateHeadsRequest,
  PanelEvents,
  PanelFocus,
  PanelHostEvents,
  PanelHostMethods,
  PanelMethods,
  PanelOpenResult,
  PanelUiState,
} from '../../protocol/panel';
import { dataHandlers, type PanelDataService } from '../../panelData/serve';
import { OwnedWebviewPanel } from '../singletonPanel';
import { webviewPort } from '../webviewHtml';
import { saveHtmlReport, savePng } from './exportFiles';

export type PanelHostConnection = Connection<PanelHostMethods, PanelMethods, PanelHostEvents, PanelEvents>;

/** A trace as the panel shows it. */
export interface ShownTrace {
  id: string;
  /** The trace itself (for reruns such as ablation). */
  trace?: Trace;
  service: PanelDataService;
  focus?: PanelFocus;
  focusSeq: number;
}

export class AttentionPanel extends OwnedWebviewPanel {
  static readonly viewType = 'decoderLens.attention';
  readonly connection: PanelHostConnection;
  private shown?: ShownTrace;
  /** The webview's latest selection (kind, layer, head, query), as it reported it. */
  selection?: PanelUiState;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    ablate?: (trace: Trace, request: AblateHeadsRequest) => Promise<unknown>,
  ) {
    super(panel, extensionUri, { view: 'panel', title: 'Decoder Lens: Attention' });
    this.connection = new Connection<PanelHostMethods, PanelMethods, PanelHostEvents, PanelEvents>(webviewPort(panel.webview), {
      ...dataHandlers((id) => (this.shown?.id === id ? this.shown.service : undefined)),
      open: () => this.openResult(),
      savePng: async ({ name, png }) => ({ saved: await savePng(name, png) }),
      exportHtml: async () => ({ saved: this.shown ? await saveHtmlReport(this.shown.service.data, extensionUri) : null }),
      ablateHeads: async (request) => {
        const trace = this.shown?.id === request.traceId ? this.shown.trace : undefined;
        if (!trace || !ablate) throw new Error('This trace is no longer shown in the panel.');
        await ablate(trace, request);
      },
    });
    this.register(this.connection);
    this.register(this.connection.onEvent('selection', (s) => (this.selection = s)));
  }

  get trace(): ShownTrace | undefined {
    return this.shown;
  }

  /** Shows a trace; a live webview is told at once, a reloading one asks for it with `open`. */
  show(shown: ShownTrace): void {
    this.shown = shown;
    this.panel.title = `Decoder Lens: ${shown.service.data.meta.model.name}`;
    const open = this.openResult();
    if (open) this.connection.notify('trace', open);
  }

  /** Writes the shown trace as an HTML report (to `target`, or where the user picks). */
  exportHtml(target?: vscode.Uri): Promise<string | null> {
    return this.shown ? saveHtmlReport(this.shown.service.data, this.extensionUri, target) : Promise.resolve(null);
  }

  private openResult(): PanelOpenResult | null {
    const s = this.shown;
    return s ? { meta: s.service.data.meta, focus: s.focus, focusSeq: s.focusSeq } : null;
  }
}
