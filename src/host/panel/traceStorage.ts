/**
 * Traces shown in the panel, saved as .dltrace files in the extension's global storage so a panel restored
 * after a window reload can load its trace again. Keeps the newest few; ids sort by creation time.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { decodeTrace, encodeTrace } from '../../core/trace/file';
import type { Trace } from '../../core/trace/types';

const KEEP = 20;
const ID = /^t-[0-9a-z]+-[0-9a-f]{8}$/;

export class TraceStorage {
  private readonly folder: vscode.Uri;

  constructor(storageUri: vscode.Uri) {
    this.folder = vscode.Uri.joinPath(storageUri, 'traces');
  }

  static newId(): string {
    return `t-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  }

  static isId(id: unknown): id is string {
    return typeof id === 'string' && ID.test(id);
  }

  uriOf(id: string): vscode.Uri {
    if (!TraceStorage.isId(id)) throw new Error(`Not a trace id: ${id}`);
    return vscode.Uri.joinPath(this.folder, `${id}.dltrace`);
  }

  async save(id: string, trace: Trace): Promise<vscode.Uri> {
    await vscode.workspace.fs.createDirectory(this.folder);
    const uri = this.uriOf(id);
    await vscode.workspace.fs.writeFile(uri, encodeTrace(trace));
    await this.prune();
    return uri;
  }

  /** The stored trace, or undefined when it is gone (pruned, storage cleared) or unreadable. */
  async load(id: string): Promise<Trace | undefined> {
    if (!TraceStorage.isId(id)) return undefined;
    try {
      const uri = this.uriOf(id);
      return decodeTrace(await vscode.workspace.fs.readFile(uri), uri.fsPath);
    } catch {
      return undefined;
    }
  }

  private async prune(): Promise<void> {
    const entries = await vscode.workspace.fs.readDirectory(this.folder);
    const ids = entries
      .map(([name]) => name.replace(/\.dltrace$/, ''))
      .filter((id) => TraceStorage.isId(id))
      .sort();
    for (const id of ids.slice(0, Math.max(0, ids.length - KEEP)))
      await vscode.workspace.fs.delete(this.uriOf(id)).then(undefined, () => undefined);
  }
}
