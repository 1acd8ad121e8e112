import { statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../core/errors';

interface Entry {
  key: string;
  session: Promise<ort.InferenceSession>;
}

/** ONNX Runtime sessions cached per model file, dropped when the file changes on disk (size or mtime). */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();

  get(file: string, create: () => Promise<ort.InferenceSession> = () => ort.InferenceSession.create(file)): Promise<ort.InferenceSession> {
    const key = fileKey(file);
    const cached = this.entries.get(file);
    if (cached && cached.key === key) return cached.session;
    if (cached) void cached.session.then((s) => s.release()).catch(() => undefined);
    const session = create().catch((error: unknown) => {
      this.entries.delete(file);
      throw new DecoderLensError('bad-model', `ONNX Runtime could not load ${file}: ${(error as Error).message}`, file);
    });
    this.entries.set(file, { key, session });
    return session;
  }

  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.session.then((s) => s.release()).catch(() => undefined)));
  }
}

function fileKey(file: string): string {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    throw new DecoderLensError('not-found', `The model file ${file} does not exist.`, file);
  }
}
