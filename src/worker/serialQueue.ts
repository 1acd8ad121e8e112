import { cancelled } from '../core/errors';

/** Runs jobs one after another; a job cancelled while it waits never starts. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(signal: AbortSignal, job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => {
      if (signal.aborted) throw cancelled();
      return job();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
