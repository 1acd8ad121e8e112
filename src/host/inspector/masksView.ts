import * as vscode from 'vscode';
import type { Trace } from '../../core/trace/types';
import type {
  InspectorHostEvents,
  InspectorHostMethods,
  InspectorRendered,
  InspectorSnapshot,
  InspectorViewEvents,
  InspectorViewMethods,
} from '../../protocol/inspector';
import { Connection, RemoteError } from '../../protocol/rpc';
import { Disposable } from '../dispose';
import { webviewHtml, webviewOptions, webviewPort } from '../webviewHtml';
import { InspectorSession, type InspectorRunner } from './session';

type ViewConnection = Connection<InspectorHostMethods, InspectorViewMethods, InspectorHostEvents, InspectorViewEvents>;

/** Until the extension passes a runner, reruns say why they cannot run (checks on the trace itself still work). */
const NO_RUNNER: InspectorRunner = {
  rerun: () =>
    Promise.reject(new RemoteError({ code: 'internal', message: vscode.l10n.t('The mask inspector has no worker to rerun with.') })),
  probe: () =>
    Promise.reject(
      new RemoteError({ code: 'internal', message: vscode.l10n.t('The mask inspector has no worker to run its checks with.') }),
    ),
  facts: async () => ({}),
  compute: {
    grids: () =>
      Promise.reject(
        new RemoteError({ code: 'internal', message: vscode.l10n.t('The mask inspector has no worker to run its checks with.') }),
      ),
    grid: async () => null,
    check: () =>
      Promise.reject(
        new RemoteError({ code: 'internal', message: vscode.l10n.t('The mask inspector has no worker to run its checks with.') }),
      ),
    compare: () =>
      Promise.reject(
        new RemoteError({ code: 'internal', message: vscode.l10n.t('The mask inspector has no worker to run its checks with.') }),
      ),
    forget: () => undefined,
  },
};

/**
 * The "Masks" view in the Decoder Lens side bar: follows the latest decode, shows the masks each layer really
 * applied with the findings of the checks, and reruns the prompt with a mask the person edits.
 */
export class MasksViewProvider extends Disposable implements vscode.WebviewViewProvider {
  static readonly viewId = 'decoderLens.masks';
  readonly session: InspectorSession;
  private view?: vscode.WebviewView;
  private connection?: ViewConnection;
  /** What the view last reported it shows (for commands and tests). */
  rendered?: InspectorRendered;
  private readonly renderedEmitter = this.register(new vscode.EventEmitter<InspectorRendered>());
  readonly onDidRender = this.renderedEmitter.event;
  private readonly activateEmitter = this.register(new vscode.EventEmitter<Trace>());
  /** The person switched runs or a rerun finished: the attention panel can show that trace. */
  readonly onDidActivateRun = this.activateEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    runner: InspectorRunner = NO_RUNNER,
    logger: { log(message: string): void } = { log: () => undefined },
  ) {
    super();
    this.session = new InspectorSession(
      runner,
      (snapshot) => this.connection?.notify('snapshot', snapshot),
      (m) => logger.log(m),
      vscode.l10n.t,
      vscode.env.language,
    );
    this.register({ dispose: () => this.session.dispose() });
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.extensionUri);
    this.connection?.dispose();
    const connection: ViewConnection = new Connection(webviewPort(view.webview), {
      open: async () => {
        await this.session.ready();
        return this.session.snapshot();
      },
      rerun: ({ mask }) => this.rerun(Array.from(mask)),
      reset: () => {
        const snapshot = this.session.reset();
        if (this.session.active) this.activateEmitter.fire(this.session.active);
        return snapshot;
      },
      activate: ({ runId }) => {
        const trace = this.session.activate(runId);
        if (trace) this.activateEmitter.fire(trace);
      },
      grid: (request) => this.session.grid(request),
    });
    this.connection = connection;
    connection.onEvent('rendered', (r) => {
      this.rendered = r;
      this.renderedEmitter.fire(r);
    });
    view.webview.html = webviewHtml(view.webview, this.extensionUri, { view: 'inspector', title: 'Decoder Lens: Masks' });
    // The checks that decode run only once someone looks at them.
    void this.session.check();
    view.onDidChangeVisibility(() => view.visible && void this.session.check());
    view.onDidDispose(() => {
      connection.dispose();
      if (this.connection === connection) this.connection = undefined;
      if (this.view === view) this.view = undefined;
    });
  }

  /** Follows a decode result; the checks that need probe decodes start when the view is visible. */
  show(trace: Trace): void {
    this.session.show(trace);
    if (this.view?.visible) void this.session.check();
  }

  /** Reruns the shown prompt with `mask` (one 0/1 per input token); the view switches to the rerun. */
  async rerun(mask: number[]): Promise<InspectorSnapshot | null> {
    this.connection?.notify('busy', { busy: true, message: vscode.l10n.t('Rerunning with the edited mask…') });
    try {
      const snapshot = await this.session.rerun(mask);
      if (this.session.rerunTrace && this.session.active === this.session.rerunTrace) this.activateEmitter.fire(this.session.rerunTrace);
      return snapshot;
    } finally {
      this.connection?.notify('busy', { busy: false });
    }
  }

  /** Brings the view into sight (it resolves then, if it never was). */
  async reveal(): Promise<void> {
    if (this.view) this.view.show(true);
    else await vscode.commands.executeCommand(`${MasksViewProvider.viewId}.focus`);
  }

  get isVisible(): boolean {
    return this.view?.visible ?? false;
  }
}
