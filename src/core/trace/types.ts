/**
 * The Trace: everything one decode recorded, as typed arrays. The panel, the hover, the mask inspector and the
 * CLI all read this one model; it saves to a file (JSON header + binary tensors) and crosses thread and webview
 * boundaries by structured clone.
 */
import type { SamplingSettings } from '../decode/sampling';
import type { LensCapture } from '../lens/outputs';

export type { LensCapture };

export type AttentionKind = 'self' | 'cross' | 'encoder';

export interface TraceToken {
  id: number;
  /** The token's own text as a person reads it ('' for a fragment of a character). Untrusted: render as text. */
  text: string;
  /** UTF-16 offsets into the input text; null for special and generated tokens. */
  start: number | null;
  end: number | null;
  special: boolean;
  /** The token holds only part of a character's UTF-8 bytes. */
  partial?: boolean;
}

export interface TopToken {
  id: number;
  text: string;
  prob: number;
}

export interface GeneratedToken {
  id: number;
  text: string;
  /** softmax of the raw logits (before temperature and filtering) at the chosen id. */
  prob: number;
  top: TopToken[];
}

/** One layer's attention probabilities for one kind, over every fed position. */
export interface AttentionCapture {
  layer: number;
  kind: AttentionKind;
  /** Heads stored (1 when the capture cap forced head averaging). */
  heads: number;
  headAveraged: boolean;
  queries: number;
  keys: number;
  /** [head][query][key], row-major. Empty when `quantized` holds the values instead. */
  data: Float32Array;
  /**
   * Compact per-head capture (decode option compactAttention, when float32 would pass the capture cap): each
   * probability p as the code round(p × (2^bits − 1)), [head][query][key]; 16-bit codes as little-endian bytes.
   * Every value is within maxError of what the model computed. Read values with the accessors in trace/attention.ts (a head, a row or a value at a time).
   */
  quantized?: {
    bits: 8 | 16;
    codes: Uint8Array;
    maxError: number;
    /** 'sqrt': each code is round(√p × (2^bits − 1)) (8-bit captures since small p no longer round to 0); absent: linear. */
    coding?: 'sqrt';
  };
  /**
   * Sparse per-head capture, for contexts where even 8-bit codes pass the cap (computed in the graph, see
   * onnx/compact.ts): each query row's k largest probabilities, largest first, as float16 (little-endian bytes,
   * [head][query][k]; each within a relative maxRelativeError, or 6e-8 below 6e-5), their key indices (int32, −1
   * where the row had fewer than k keys), and the probability mass of every other key of the row (float32,
   * [head][query]). Keys outside the top k read as 0. `data` is empty. Read through trace/attention.ts.
   */
  topK?: { k: number; values: Uint8Array; indices: Int32Array; rest: Float32Array; maxRelativeError: number };
}

/** The mask an attention layer really applied, read from the graph: 1 where the query may see the key. */
export interface MaskCapture {
  layer: number;
  kind: AttentionKind;
  queries: number;
  keys: number;
  visible: Uint8Array;
  /** The additive values as the model computed them (first head), for the inspector. */
  raw: Float32Array;
  /**
   * Banded form (with a sparse attention capture; `visible` and `raw` are then empty): per query row, the first and
   * last key any head gives a probability above 0 and how many keys it does — the mask as the probabilities show
   * it (a hidden key gets exactly 0). Keys in [first, last] are visible when count = last − first + 1; otherwise
   * the row has count visible keys in that span whose places are not kept (read as visible, `holes` true).
   * Read through trace/masks.ts.
   */
  bands?: { first: Int32Array; last: Int32Array; count: Int32Array };
}

export interface HiddenCapture {
  layer: number;
  /** L2 norm of the residual stream at each position. */
  norms: Float32Array;
  width: number;
  /** Per position, the cosine between this layer's vector and the previous captured layer's (NaN for the first layer). Absent in older traces. */
  cosineToPrevious?: Float32Array;
  /** [position][width], only when vectors were requested. */
  vectors?: Float32Array;
}

export interface TraceModel {
  path: string;
  architecture: 'decoder-only' | 'encoder-decoder';
  layers: number;
  heads: number;
  kvCache: boolean;
  files: string[];
  vocabSize: number;
  /** Which variant of the folder ran ('fp32', 'q4', …, or GenAI's file name) and its dtype; absent in older traces. */
  variant?: { name: string; dtype: string | null };
}

export interface TraceSettings {
  maxNewTokens: number;
  sampling: SamplingSettings;
  useCache: boolean;
  /** One 0/1 per input token: keys hidden in every step (ablation; position ids are unchanged). */
  attentionMask?: number[];
  captureMaxBytes: number;
}

/** Why generation ended ('scored': nothing was asked to be generated). */
export type StopReason = 'eos' | 'max-new-tokens' | 'scored';

export interface Trace {
  format: 'decoder-lens-trace';
  version: 1;
  createdAt: string;
  model: TraceModel;
  settings: TraceSettings;
  input: {
    text: string;
    tokens: TraceToken[];
    /** The attention_mask fed for the input tokens (all 1 unless overridden). */
    attentionMask: number[];
  };
  /**
   * The positions on the self-attention axes. Decoder-only: the input tokens then every generated token fed
   * back (all but the last). Encoder-decoder: the decoder start token then the generated tokens fed back.
   */
  positions: TraceToken[];
  /** Decoder-only: p(input token i | tokens before it); NaN where undefined (the first token). */
  inputProbs: Float32Array;
  /** Decoder-only: the model's most likely tokens at each input position (what it expected there); [] for the first. */
  inputTop: TopToken[][];
  generated: GeneratedToken[];
  /** A score (nothing generated): the most likely tokens after the last position (encoder-decoder: the first target token). */
  nextTop?: TopToken[];
  /** The generated tokens decoded to text (special tokens skipped). Untrusted: render as text. */
  generatedText: string;
  /** 'scored': maxNewTokens 0, the input was scored in one pass and nothing generated. */
  stopReason: StopReason;
  attention: AttentionCapture[];
  masks: MaskCapture[];
  hidden: HiddenCapture[];
  /** What the capture cap made us drop or degrade, in words. */
  dropped: string[];
  /** Attention nodes whose probabilities could not be captured, and why. */
  unavailable: { node: string; reason: string }[];
  /** The logit lens (decode option `lens`): each layer's top tokens per position, and why it is missing if it is. */
  lens?: LensCapture;
  /** Heads whose outputs were ablated in this run (src/core/interventions); absent for an ordinary decode. */
  ablation?: TraceAblation;
}

export interface TraceAblation {
  /** 'zero': the head's output is 0; 'mean': its mean output over `meanOver` of the unablated run. */
  mode: 'zero' | 'mean';
  /** Layers and heads counted from 0; kind 'encoder' is an encoder-decoder model's encoder self attention. */
  heads: { layer: number; head: number; kind: 'self' | 'cross' | 'encoder' }[];
  meanOver?: string;
}
