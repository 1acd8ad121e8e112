import type { ErrorCode, ErrorPayload } from './errorCodes';

export type { ErrorCode, ErrorPayload };

/** The one error type the core throws: a code, a message a person can act on, and the file it is about. */
export class DecoderLensError extends Error {
  override readonly name = 'DecoderLensError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }

  get payload(): ErrorPayload {
    return { code: this.code, message: this.message, file: this.file };
  }
}

export function cancelled(): DecoderLensError {
  return new DecoderLensError('cancelled', 'Cancelled.');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

/**
 * Between decoding steps: when the run can be cancelled, let the event loop take messages first (a cancel sent
 * by the host is a message), then stop if it came.
 */
export async function checkpoint(signal: AbortSignal | undefined): Promise<void> {
  if (signal) await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfAborted(signal);
}
