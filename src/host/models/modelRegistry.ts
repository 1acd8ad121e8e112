import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import { readSettings } from '../settings';

export interface ModelCandidate {
  /** A model folder (Optimum layout) or a single .onnx file. */
  path: string;
  label: string;
  description: string;
}

const OPTIMUM_FILES = new Set([
  'decoder_model.onnx',
  'decoder_with_past_model.onnx',
  'decoder_model_merged.onnx',
  'model.onnx',
  'encoder_model.onnx',
]);
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.venv/**,**/venv/**,**/__pycache__/**,**/.cache/**}';
const CHOSEN_KEY = 'decoderLens.chosenModel';

export type ModelSource = 'setting' | 'chosen' | 'found' | 'demo' | 'unchosen';

/**
 * Finds models in the workspace (Optimum folders and loose .onnx files), watches for new ones, and knows the
 * active one: the `decoderLens.modelPath` setting, else the one chosen for this workspace, else the only one
 * found, else the built-in demo model. With several found and none chosen the source is 'unchosen': Decode
 * Selection asks which one rather than silently decoding the person's text with the demo model.
 */
export class ModelRegistry extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private cache: Promise<ModelCandidate[]> | undefined;

  constructor(
    private readonly state: vscode.Memento,
    readonly demoModel: string,
  ) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*.onnx'));
    const invalidate = () => {
      this.cache = undefined;
      this.changed.fire();
    };
    this.register(watcher.onDidCreate(invalidate));
    this.register(watcher.onDidDelete(invalidate));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(invalidate));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('decoderLens.modelPath') && this.changed.fire()));
  }

  discover(): Promise<ModelCandidate[]> {
    return (this.cache ??= this.scan());
  }

  /** The model a decode will use now ('unchosen': the demo model's path, for callers that cannot ask). */
  async active(): Promise<{ path: string; isDemo: boolean; source: ModelSource }> {
    const configured = readSettings().modelPath;
    if (configured) return { path: resolveInWorkspace(configured), isDemo: false, source: 'setting' };
    const chosen = this.state.get<string>(CHOSEN_KEY);
    if (chosen) return { path: chosen, isDemo: chosen === this.demoModel, source: 'chosen' };
    const found = await this.discover();
    if (found.length === 1) return { path: found[0].path, isDemo: false, source: 'found' };
    return { path: this.demoModel, isDemo: true, source: found.length > 1 ? 'unchosen' : 'demo' };
  }

  /** Remembers the model for this workspace (workspace state); undefined forgets the choice. */
  async choose(modelPath: string | undefined): Promise<void> {
    await this.state.update(CHOSEN_KEY, modelPath);
    this.changed.fire();
  }

  /** Scans the workspace again on the next `discover()` (the file watcher does this for new and deleted files). */
  refresh(): void {
    this.cache = undefined;
    this.changed.fire();
  }

  private async scan(): Promise<ModelCandidate[]> {
    const files = await vscode.workspace.findFiles('**/*.onnx', EXCLUDE, 500);
    const byPath = new Map<string, ModelCandidate>();
    for (const file of files) {
      const fsPath = file.fsPath;
      const name = path.basename(fsPath);
      if (OPTIMUM_FILES.has(name)) {
        let folder = path.dirname(fsPath);
        if (path.basename(folder) === 'onnx') folder = path.dirname(folder);
        const existing = byPath.get(folder);
        const files = existing ? `${existing.description.replace(/ \(.*$/, '')}, ${name}` : name;
        byPath.set(folder, {
          path: folder,
          label: path.basename(folder),
          description: `${files} (${vscode.workspace.asRelativePath(folder)})`,
        });
      } else {
        byPath.set(fsPath, { path: fsPath, label: name, description: vscode.workspace.asRelativePath(fsPath) });
      }
    }
    return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
  }
}

function resolveInWorkspace(p: string): string {
  if (path.isAbsolute(p)) return p;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, p) : p;
}
