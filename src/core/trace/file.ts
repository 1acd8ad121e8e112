/**
 * The .dltrace file: 8 magic bytes, then the trace packed (a JSON header in which each typed array is a
 * reference into an 8-byte-aligned binary section; see src/core/packed.ts). Readable without our code.
 */
import { pack, PackedFormatError, unpack } from '../packed';
import { DecoderLensError } from '../errors';
import type { Trace } from './types';

const MAGIC = new TextEncoder().encode('DLTRACE1');

export function encodeTrace(trace: Trace): Uint8Array {
  const body = pack(trace);
  const out = new Uint8Array(MAGIC.length + body.length);
  out.set(MAGIC, 0);
  out.set(body, MAGIC.length);
  return out;
}

export function decodeTrace(bytes: Uint8Array, file = 'the trace'): Trace {
  const fail = (why: string) =>
    new DecoderLensError(
      'bad-input',
      `${file} is not a Decoder Lens trace (${why}). Save a trace with "Decoder Lens: Save Trace" or \`decoder-lens trace --out\`.`,
      file,
    );
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) throw fail('wrong magic bytes');
  let trace: Partial<Trace>;
  try {
    trace = unpack<Partial<Trace>>(bytes.subarray(MAGIC.length));
  } catch (error) {
    if (error instanceof PackedFormatError) throw fail(error.message);
    throw fail(`its header is not valid JSON: ${(error as Error).message}`);
  }
  if (trace?.format !== 'decoder-lens-trace') throw fail('no trace header');
  if (trace.version !== 1) throw fail(`version ${String(trace.version)} is newer than this Decoder Lens understands`);
  return trace as Trace;
}
