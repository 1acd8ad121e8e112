import { DecoderLensError } from '../errors';
import type { LensGraphOptions } from '../lens/graph';
import { defaultSampling, type SamplingSettings } from './sampling';

export interface DecodeOptions {
  /** Decoder-only: the prompt. Encoder-decoder: the source text. */
  text: string;
  /** 0 scores the text: one pass, nothing generated. */
  maxNewTokens: number;
  sampling: SamplingSettings;
  /** Use the KV cache when the model has one; false forces full recompute every step. */
  useCache: boolean;
  /** One 0/1 per input token: hide those keys in every step (ablation; position ids stay 0..n-1). */
  attentionMask?: number[];
  /** Keep per-layer hidden-state vectors, not only their norms. */
  hiddenVectors: boolean;
  /** Capture attention/masks/hidden states (false: a plain decode, for comparison). */
  taps: boolean;
  /** Cap on captured bytes; past it the capture degrades and says so in trace.dropped. */
  captureMaxBytes: number;
  /**
   * Past the cap, keep every head as 16- or 8-bit probabilities (AttentionCapture.quantized) before averaging
   * heads (default on; readers go through the accessors in trace/attention.ts). False: float32 or averaged only.
   */
  compactAttention: boolean;
  /** ONNX Runtime execution providers in order of preference; ORT falls back to cpu for what they lack. */
  executionProviders: string[];
  /** The logit lens: each layer's next-token distribution, run over the decode's hidden states after it (false: off). */
  lens: false | LensGraphOptions;
}

export interface DecodeContext {
  signal?: AbortSignal;
  onStep?(step: number, total: number): void;
}

export const DEFAULT_CAPTURE_BYTES = 512 * 1024 * 1024;

export function decodeOptions(partial: Partial<DecodeOptions> & { text: string }, defaultMaxNewTokens = 20): DecodeOptions {
  const options: DecodeOptions = {
    maxNewTokens: defaultMaxNewTokens,
    sampling: { ...defaultSampling, ...partial.sampling },
    useCache: true,
    hiddenVectors: false,
    taps: true,
    captureMaxBytes: DEFAULT_CAPTURE_BYTES,
    compactAttention: true,
    executionProviders: ['cpu'],
    lens: false,
    ...partial,
  };
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 0 || options.maxNewTokens > 4096) {
    throw new DecoderLensError(
      'bad-input',
      `maxNewTokens ${options.maxNewTokens}: expected a whole number from 0 (score the text without generating) to 4096.`,
    );
  }
  const s = options.sampling;
  if (!(s.temperature > 0)) throw new DecoderLensError('bad-input', `temperature ${s.temperature}: expected a number above 0.`);
  if (!(s.topK >= 1)) throw new DecoderLensError('bad-input', `topK ${s.topK}: expected 1 or more.`);
  if (!(s.topP > 0 && s.topP <= 1)) throw new DecoderLensError('bad-input', `topP ${s.topP}: expected a number in (0, 1].`);
  return options;
}

/** Checks an attention-mask override against the tokenised input. */
export function checkMaskOverride(mask: number[] | undefined, tokens: number): number[] {
  if (!mask) return new Array<number>(tokens).fill(1);
  if (mask.length !== tokens) {
    throw new DecoderLensError(
      'bad-input',
      `The attention mask has ${mask.length} values but the input has ${tokens} tokens: give one 0 or 1 per token.`,
    );
  }
  if (mask.some((v) => v !== 0 && v !== 1))
    throw new DecoderLensError('bad-input', 'The attention mask may hold only 0 (hide) and 1 (show).');
  if (!mask.includes(1)) throw new DecoderLensError('bad-input', 'The attention mask hides every token; show at least one.');
  return mask;
}
