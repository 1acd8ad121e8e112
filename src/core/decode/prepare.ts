/**
 * Sessions made before the first decode: when a model is selected, the worker does the surgery and creates the
 * sessions a decode with these options will open (the first step's, the standalone lens, and the with-past file
 * when more than one token is asked for), so "Decode Selection" finds them in the cache. It does so by scoring a
 * one-token probe through the ordinary decode path — the same sessions, opened the same way, and ONNX Runtime's
 * first-run allocations done — and nothing a decode would not open.
 */
import type { OpenedModel } from './model';
import { decode } from './index';
import type { DecodeContext, DecodeOptions } from './options';
import type { SessionSource } from './session';

/** A short text every tokenizer turns into at least one token. */
const PROBE = 'a';

export async function prepareDecode(
  model: OpenedModel,
  sessions: SessionSource,
  options: Partial<Omit<DecodeOptions, 'text'>>,
  context: Pick<DecodeContext, 'signal'> = {},
): Promise<{ files: string[] }> {
  const maxNewTokens = options.maxNewTokens ?? model.config.maxNewTokens ?? 20;
  const trace = await decode(model, sessions, { ...options, text: PROBE, maxNewTokens: 0 }, { signal: context.signal });
  const files = [...trace.model.files];
  // A split folder's later steps run decoder_with_past_model.onnx: opened now only when the decode will need it.
  const byRole = new Map(model.layout.files.map((f) => [f.role, f.path]));
  const withPast = byRole.get('decoder-with-past');
  if (withPast && byRole.get('decoder') && options.useCache !== false && maxNewTokens > 1 && !context.signal?.aborted) {
    await sessions.open(withPast, {
      taps: options.taps ?? true,
      executionProviders: options.executionProviders?.length ? options.executionProviders : ['cpu'],
      lensRows: !!options.lens,
    });
    files.push(withPast);
  }
  return { files };
}
