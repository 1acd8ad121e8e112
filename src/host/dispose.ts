import type * as vscode from 'vscode';

/** Owns disposables and frees them together (the pattern vscode-hexeditor uses). */
export class Disposable implements vscode.Disposable {
  private readonly owned: vscode.Disposable[] = [];
  private disposed = false;

  protected register<T extends vscode.Disposable>(value: T): T {
    if (this.disposed) value.dispose();
    else this.owned.push(value);
    return value;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    while (this.owned.length) this.owned.pop()?.dispose();
  }
}

/** Something that can end by itself (a webview panel the user closes) and says so. */
export interface SelfDisposing extends vscode.Disposable {
  readonly isDisposed: boolean;
  readonly onDidDispose: vscode.Event<void>;
}

/**
 * Holds at most one value: setting another disposes the one held, and a value that disposes itself is forgotten
 * (like vscode-hexeditor's DisposableValue).
 */
export class DisposableValue<T extends SelfDisposing> implements vscode.Disposable {
  private held?: T;

  get value(): T | undefined {
    return this.held && !this.held.isDisposed ? this.held : undefined;
  }

  set value(value: T | undefined) {
    if (value === this.held) return;
    const previous = this.held;
    this.held = value;
    previous?.dispose();
    value?.onDidDispose(() => {
      if (this.held === value) this.held = undefined;
    });
  }

  dispose(): void {
    this.value = undefined;
  }
}
