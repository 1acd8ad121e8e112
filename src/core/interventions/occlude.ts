// Occlusion ("why this token?"): at one step of the greedy run, hide each input token in turn through the
// attention mask (0 at that key, positions unchanged; encoder-decoder: the source mask) and measure how the chosen
// token's probability moves. The gradient-free attribution, exact for the model that ships. Batched: each batch
// item is the same sequence with its own mask row, so one run scores up to `batch` input tokens.
import { checkpoint, DecoderLensError } from '../errors';
import { decode, type DecodeContext, type OpenedModel } from '../decode';
import { defaultSampling } from '../decode/sampling';
import { findTaps, readModel } from '../onnx';
import { forward, fullPassFile } from './forward';
import { lastRowProbs } from './probs';
import { HookedSessions } from './sessions';

export interface OccludeOptions {
  text: string;
  /** The generation step whose chosen token is explained, from 0 (default 0: the first generated token). */
  step?: number;
  /** Input tokens hidden per run (default 16). */
  batch?: number;
}

export interface OccludedToken {
  /** Position in the input (decoder-only: the prompt; encoder-decoder: the source). */
  index: number;
  id: number;
  text: string;
  /** The chosen token's probability with this input token hidden. */
  prob: number;
  /** prob − the unoccluded probability: negative when the token supported the choice. */
  delta: number;
}

/** A plain JSON report (what `decoder-lens occlude --json` writes). */
export interface Occlusion {
  step: number;
  chosen: { id: number; text: string };
  /** The chosen token's probability with nothing hidden. */
  prob: number;
  /** The decoder positions fed (prompt and generated tokens before the step; encoder-decoder: from the start token). */
  fed: number[];
  /** One entry per input token, in input order. */
  tokens: OccludedToken[];
  /** What to keep in mind reading the numbers (positions derived from the mask, a mask that changed nothing). */
  notes: string[];
}

/** Sessions for occlusion: no hooks fed (identity) and logits of the last position only. */
export function occludeSessions(model: OpenedModel): HookedSessions {
  return new HookedSessions({ fallbackHeads: model.config.heads ?? null, lastRowLogits: true, residualPatches: false });
}

export async function occlude(
  model: OpenedModel,
  sessions: HookedSessions | null,
  options: OccludeOptions,
  context: DecodeContext = {},
): Promise<Occlusion> {
  const step = options.step ?? 0;
  const batch = options.batch ?? 16;
  if (!Number.isInteger(step) || step < 0 || step > 4095)
    throw new DecoderLensError('bad-input', `step ${step}: expected a whole number from 0 (the first generated token).`);
  if (!Number.isInteger(batch) || batch < 1) throw new DecoderLensError('bad-input', `batch ${batch}: expected a whole number ≥ 1.`);
  const file = fullPassFile(model);
  const graph = await readModel(file);
  // GroupQueryAttention turns the mask into lengths: hiding a middle token would hide the last key instead.
  if (findTaps(graph).attention.some((a) => a.opType === 'GroupQueryAttention'))
    throw new DecoderLensError(
      'unsupported',
      `${file} uses GroupQueryAttention, which takes sequence lengths, not a mask: single input tokens cannot be hidden.`,
      file,
    );
  const notes: string[] = [];
  if (model.layout.architecture === 'decoder-only' && !graph.graph.inputs.some((i) => i.name === 'position_ids'))
    notes.push(
      `${file} takes no position_ids: if it derives positions from attention_mask (as Hugging Face does for left padding), hiding a token also moves the positions of the tokens after it.`,
    );
  const own = sessions === null;
  const source = sessions ?? occludeSessions(model);
  try {
    source.feeds = {};
    const run = await decode(
      model,
      source,
      { text: options.text, maxNewTokens: step + 1, taps: false, lens: false, sampling: defaultSampling },
      context,
    );
    if (run.generated.length <= step)
      throw new DecoderLensError(
        'bad-input',
        `The model stops after ${run.generated.length} generated tokens (end of sequence), so there is no step ${step}; steps count from 0.`,
      );
    const chosen = run.generated[step];
    const fed = run.positions.map((p) => p.id);
    const inputs = run.input.tokens;
    const encoderDecoder = model.layout.architecture === 'encoder-decoder';
    const sourceIds = encoderDecoder ? inputs.map((t) => t.id) : undefined;
    // Row b hides input token `hide[b]`: decoder-only over the fed positions, encoder-decoder over the source.
    const pass = async (hide: (number | null)[]) => {
      const width = encoderDecoder ? inputs.length : fed.length;
      const masks = hide.map((i) => Array.from({ length: width }, (_, j) => (j === i ? 0 : 1)));
      const out = await forward(model, source, {
        ids: fed,
        source: sourceIds,
        batch: hide.length,
        taps: false,
        ...(encoderDecoder ? { sourceMask: masks } : { attentionMask: masks }),
      });
      const logits = out.outputs.logits;
      if (!logits) throw new DecoderLensError('unsupported', `${out.session.file} has no "logits" output.`, out.session.file);
      return lastRowProbs(logits, hide.length, chosen.id);
    };
    const [prob] = await pass([null]);
    const tokens: OccludedToken[] = [];
    for (let start = 0; start < inputs.length; start += batch) {
      await checkpoint(context.signal);
      const hide = Array.from({ length: Math.min(batch, inputs.length - start) }, (_, b) => start + b);
      const probs = await pass(hide);
      hide.forEach((i, b) => tokens.push({ index: i, id: inputs[i].id, text: inputs[i].text, prob: probs[b], delta: probs[b] - prob }));
      context.onStep?.(start + hide.length, inputs.length);
    }
    if (tokens.length > 1 && tokens.every((t) => t.delta === 0))
      notes.push('Hiding any input token changed nothing: the graph may ignore attention_mask (decoder-lens check tests this).');
    return { step, chosen: { id: chosen.id, text: chosen.text }, prob, fed, tokens, notes };
  } finally {
    source.feeds = {};
    if (own) await source.clear();
  }
}
