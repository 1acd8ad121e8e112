// Reads a saved .dltrace from disk (Node only; file.ts itself stays free of I/O).
import { readFile } from 'node:fs/promises';
import { DecoderLensError } from '../errors';
import { decodeTrace } from './file';
import type { Trace } from './types';

export async function readTraceFile(path: string): Promise<Trace> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DecoderLensError('not-found', `No saved trace at ${path}.`, path);
    throw new DecoderLensError('bad-input', `Cannot read the saved trace ${path}: ${(error as Error).message}`, path);
  }
  return decodeTrace(bytes, path);
}
