import type { Trace } from '../trace/types';
import { decodeDecoderOnly } from './decoderOnly';
import { decodeEncoderDecoder } from './encoderDecoder';
import { openModel, type OpenedModel } from './model';
import { decodeOptions, type DecodeContext, type DecodeOptions } from './options';
import type { SessionSource } from './session';

export { openModel, decodeOptions };
export type { DecodeContext, DecodeOptions, OpenedModel, SessionSource };

/** Decodes `options.text` with the model at `path` and returns everything it recorded. */
export async function decode(
  model: OpenedModel,
  sessions: SessionSource,
  partial: Partial<DecodeOptions> & { text: string },
  context: DecodeContext = {},
): Promise<Trace> {
  const options = decodeOptions(partial, model.config.maxNewTokens ?? 20);
  return model.layout.architecture === 'encoder-decoder'
    ? decodeEncoderDecoder(model, sessions, options, context)
    : decodeDecoderOnly(model, sessions, options, context);
}
