import type { EncodedToken } from '../tokenizer';
import type { TraceModel, TraceSettings, TraceToken } from '../trace/types';
import type { OpenedModel } from './model';
import type { DecodeOptions } from './options';
import type { DecodeSession } from './session';

export function inputTokens(encoded: EncodedToken[]): TraceToken[] {
  return encoded.map((t) => ({
    id: t.id,
    text: t.text,
    start: t.start,
    end: t.end,
    special: t.special,
    ...(t.partial ? { partial: true } : {}),
  }));
}

/** Why a text gave the decoder nothing: it tokenized to no tokens with this tokenizer (empty, or only what the tokenizer drops). */
export function noTokensMessage(model: OpenedModel, text: string): string {
  const file = model.tokenizer.source ?? `the tokenizer of ${model.path}`;
  const what = text.length === 0 ? 'empty' : `${text.length} characters`;
  return `Nothing to decode: the text (${what}) produced no tokens with ${file}`;
}

export function traceModel(model: OpenedModel, kvCache: boolean, sessions: (DecodeSession | null)[], vocabSize: number): TraceModel {
  const attention = sessions.flatMap((s) => s?.taps.filter((t) => t.tap === 'attention') ?? []);
  return {
    path: model.path,
    architecture: model.layout.architecture,
    layers: model.config.layers ?? new Set(attention.map((t) => t.layer)).size,
    heads: model.config.heads ?? 0,
    kvCache,
    files: [...new Set(sessions.filter((s): s is DecodeSession => s !== null).map((s) => s.file))],
    vocabSize,
    variant: model.layout.variant,
  };
}

export function traceSettings(options: DecodeOptions): TraceSettings {
  return {
    maxNewTokens: options.maxNewTokens,
    sampling: options.sampling,
    useCache: options.useCache,
    captureMaxBytes: options.captureMaxBytes,
    ...(options.attentionMask ? { attentionMask: options.attentionMask } : {}),
  };
}
