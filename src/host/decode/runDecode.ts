import * as vscode from 'vscode';
import type { ErrorCode } from '../../core/errorCodes';
import type { Trace } from '../../core/trace/types';
import { RemoteError } from '../../protocol/rpc';
import type { DecodeRequest } from '../../protocol/worker';
import { log } from '../log';
import { readSettings } from '../settings';
import type { WorkerClient } from '../workerClient';

/** The options every decode from the editor starts from (the settings, and the lens for the panel); prepare uses them too. */
export function decodeDefaults(): Pick<DecodeRequest, 'maxNewTokens' | 'sampling' | 'captureMaxBytes' | 'executionProviders' | 'lens'> {
  const settings = readSettings();
  return {
    maxNewTokens: settings.maxNewTokens,
    sampling: settings.sampling,
    captureMaxBytes: settings.captureMaxMegabytes * 1024 * 1024,
    executionProviders: settings.executionProviders,
    // The logit lens for the panel (run after the decode over its hidden states; a model whose head cannot be found says why).
    lens: { rows: 'last', k: 5 },
  };
}

/**
 * Runs one decode in the worker with a cancellable progress notification ("step k of n"). The extension host
 * only waits on a message; ONNX Runtime runs on the worker thread.
 */
export async function runDecode(
  worker: WorkerClient,
  request: Omit<DecodeRequest, 'maxNewTokens' | 'sampling' | 'captureMaxBytes' | 'executionProviders'> & Partial<DecodeRequest>,
  title: string,
): Promise<Trace | undefined> {
  const full: DecodeRequest = { ...decodeDefaults(), ...request };
  const started = Date.now();
  log.info(`Decoding ${JSON.stringify(full.text.slice(0, 80))}${full.text.length > 80 ? '…' : ''} with ${full.modelPath}`);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      let last = 0;
      try {
        const connection = await worker.get();
        const trace = await connection.request('decode', full, {
          signal: controller.signal,
          onProgress: ({ step, total }) => {
            progress.report({ message: vscode.l10n.t('step {0} of {1}', step, total), increment: ((step - last) / total) * 100 });
            last = step;
          },
        });
        log.info(`Decoded ${trace.generated.length} tokens in ${Date.now() - started} ms (KV cache ${trace.model.kvCache ? 'on' : 'off'})`);
        for (const note of trace.dropped) log.warn(`Not captured: ${note}`);
        return trace;
      } catch (error) {
        if (error instanceof RemoteError && error.payload.code === 'cancelled') {
          log.info('Decode cancelled.');
          return undefined;
        }
        throw error;
      } finally {
        subscription.dispose();
      }
    },
  );
}

/** Shows an error a person can act on; model problems offer "Select Model". */
export async function reportError(error: unknown, selectModelCommand: string): Promise<void> {
  const payload = error instanceof RemoteError ? error.payload : { code: 'internal', message: (error as Error)?.message ?? String(error) };
  log.error(`${payload.code}: ${payload.message}`);
  const modelProblem = ['not-found', 'not-onnx', 'bad-model', 'unsupported'].includes(payload.code);
  const selectModel = vscode.l10n.t('Select Model');
  const showLog = vscode.l10n.t('Show Log');
  const actions = modelProblem ? [selectModel, showLog] : [showLog];
  const choice = await vscode.window.showErrorMessage(errorText(payload.code as ErrorCode, payload.message), ...actions);
  if (choice === selectModel) await vscode.commands.executeCommand(selectModelCommand);
  if (choice === showLog) log.show(true);
}

/**
 * What went wrong, in the window's language: the core writes its detailed messages (naming the file or value and
 * what to do) in English, so other languages get a translated headline for the error's code in front of them.
 */
function errorText(code: ErrorCode, message: string): string {
  if (vscode.env.language.startsWith('en')) return vscode.l10n.t('Decoder Lens: {0}', message);
  const headline = ERROR_HEADLINES[code] ?? ERROR_HEADLINES.internal;
  return vscode.l10n.t('Decoder Lens: {0}. {1}', headline(), message);
}

const ERROR_HEADLINES: Record<ErrorCode, () => string> = {
  'not-found': () => vscode.l10n.t('A file or folder is missing'),
  'not-onnx': () => vscode.l10n.t('The file is not an ONNX model'),
  'bad-model': () => vscode.l10n.t('The model file is damaged or inconsistent'),
  unsupported: () => vscode.l10n.t('Decoder Lens cannot run or tap this model'),
  'bad-input': () => vscode.l10n.t('A value is wrong'),
  cancelled: () => vscode.l10n.t('Cancelled'),
  internal: () => vscode.l10n.t('Something went wrong inside Decoder Lens'),
};
