// A SessionSource whose sessions also compute the lens. `decode` runs unchanged: each session's run() is
// wrapped to hand the lens outputs to the current recorder and to remove them from what decode sees.
// (Once the runtime grows a `lens` decode option, SessionCache can build the same bytes and this wrapper goes.)
import * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../errors';
import { decode, type DecodeContext, type DecodeOptions, type OpenedModel } from '../decode';
import type { DecodeSession, SessionOptions, SessionSource } from '../decode/session';
import { SESSION_OPTIONS } from '../decode/sessionCache';
import type { Trace } from '../trace/types';
import type { LensGraphOptions } from './graph';
import { type LensModel, buildLensModel } from './model';
import { type LensCapture, type TensorLike, withTokenTexts } from './outputs';
import { LensRecorder } from './recorder';

export class LensSessions implements SessionSource {
  private readonly entries = new Map<string, Promise<DecodeSession>>();
  private recorder: LensRecorder | null = null;

  constructor(readonly lens: Partial<LensGraphOptions> = {}) {}

  open(file: string, options: SessionOptions): Promise<DecodeSession> {
    const providers = options.executionProviders?.length ? options.executionProviders : ['cpu'];
    const key = `${options.taps}:${providers.join(',')}:${file}`;
    let session = this.entries.get(key);
    if (!session) {
      session = this.create(file, options.taps, providers);
      session.catch(() => this.entries.delete(key));
      this.entries.set(key, session);
    }
    return session;
  }

  /** Runs one decode and returns its trace with the lens it recorded. */
  async decode(model: OpenedModel, options: Partial<DecodeOptions> & { text: string }, context: DecodeContext = {}): Promise<{ trace: Trace; lens: LensCapture }> {
    const recorder = (this.recorder = new LensRecorder());
    try {
      const trace = await decode(model, this, options, context);
      const lens = recorder.finish(trace.generated[trace.generated.length - 1]?.id);
      return { trace, lens: withTokenTexts(lens, (id) => model.tokenizer.tokenText(id)) };
    } finally {
      this.recorder = null;
    }
  }

  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(async (s) => (await s.catch(() => null))?.session.release()));
  }

  private async create(file: string, taps: boolean, executionProviders: string[]): Promise<DecodeSession> {
    const built = await buildLensModel(file, { taps, lens: this.lens });
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(built.bytes, { ...SESSION_OPTIONS, executionProviders, ...(built.externalData ? { externalData: built.externalData } : {}) });
    } catch (error) {
      throw new DecoderLensError('bad-model', `ONNX Runtime could not load ${file} with the lens nodes: ${(error as Error).message}`, file);
    }
    return {
      file,
      session: this.wrap(session, built),
      taps: built.taps.map((o) => ({ output: o.output, tap: o.tap, layer: o.layer, kind: o.kind === 'cross' ? 'cross' : 'self', maskKind: o.maskKind })),
      unavailable: built.unavailable ?? [],
    };
  }

  private wrap(session: ort.InferenceSession, built: LensModel): ort.InferenceSession {
    const lens = built.lens;
    const hidden = lens ? Object.values(lens.outputs).filter((n): n is string => !!n) : [];
    const info = { graph: lens, head: built.head, unavailable: built.lensUnavailable };
    const onRun = (feeds: Record<string, TensorLike>, outputs: Record<string, TensorLike>) => this.recorder?.step({ lens: info }, feeds, outputs);
    return new Proxy(session, {
      get(target, prop) {
        if (prop === 'run') {
          return async (feeds: ort.InferenceSession.FeedsType, ...rest: unknown[]) => {
            const outputs = await (target.run as (...a: unknown[]) => Promise<ort.InferenceSession.ReturnType>)(feeds, ...rest);
            onRun(feeds as Record<string, TensorLike>, outputs as Record<string, TensorLike>);
            // decode sees only the outputs it knows.
            return Object.fromEntries(Object.entries(outputs).filter(([name]) => !hidden.includes(name)));
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
