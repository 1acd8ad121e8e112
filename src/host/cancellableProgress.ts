import * as vscode from 'vscode';
import type { DecodeProgress } from '../protocol/worker';

type Progress = vscode.Progress<{ message?: string; increment?: number }>;

/**
 * A cancellable progress notification whose Cancel aborts the worker request: the worker checks the signal
 * between steps, so a cancel lands within one step.
 */
export function withCancellableProgress<T>(title: string, task: (progress: Progress, signal: AbortSignal) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      try {
        return await task(progress, controller.signal);
      } finally {
        subscription.dispose();
      }
    },
  );
}

/** "step k of n" in the notification, for a worker request that reports decoding steps. */
export function reportSteps(progress: Progress): (p: DecodeProgress) => void {
  return ({ step, total }) => progress.report({ message: vscode.l10n.t('step {0} of {1}', step, total) });
}
