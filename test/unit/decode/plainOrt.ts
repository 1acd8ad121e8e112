/**
 * The reference a variant is held to: a plain onnxruntime-node greedy KV-cache loop over the same file, written
 * here with ORT directly (none of our decode code). Attention probabilities come from the same plain session
 * with the model's Softmax outputs added as graph outputs by a test-local protobuf append (a second `graph`
 * field holding only `output` entries, which protobuf merges into the first).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';

export interface PlainStep {
  id: number;
  prob: number;
  top: { id: number; prob: number }[];
}

export interface PlainRun {
  steps: PlainStep[];
  /** p(input token i | tokens before it) from the prefill logits; NaN for the first. */
  inputProbs: number[];
  /** Per Softmax output (in file order): the prefill's attention [heads][query][key]. */
  attention: Float64Array[][][];
}

function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f ? NaN : sign * Infinity;
  return sign * (1 + f / 1024) * 2 ** (e - 15);
}

function values(tensor: ort.Tensor): Float64Array {
  if (tensor.type === 'float16') return Float64Array.from(tensor.data as Uint16Array, half);
  return Float64Array.from(tensor.data as Float32Array);
}

/** softmax of one row in float64: the chosen id's probability and the top 5. */
function distribution(row: Float64Array): { argmax: number; probs: Float64Array } {
  let argmax = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[argmax]) argmax = i;
  let sum = 0;
  const probs = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) sum += probs[i] = Math.exp(row[i] - row[argmax]);
  for (let i = 0; i < row.length; i++) probs[i] /= sum;
  return { argmax, probs };
}

const top5 = (probs: Float64Array) =>
  [...probs]
    .map((prob, id) => ({ id, prob }))
    .sort((a, b) => b.prob - a.prob)
    .slice(0, 5);

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const field = (no: number, body: Uint8Array) => Uint8Array.from([...varint((no << 3) | 2), ...varint(body.length), ...body]);

/** A copy of the model (in a temp folder, beside its external data files) that also outputs every Softmax. */
function withSoftmaxOutputs(file: string): { file: string; names: string[]; cleanup: () => void } {
  const bytes = readFileSync(file);
  // Each name is a protobuf string: its one-byte length comes right before it (which may itself read as '/').
  const names = new Set<string>();
  for (const m of bytes.toString('latin1').matchAll(/[\w./]*Softmax[\w./]*_output_0/g))
    for (let j = 0; j < m[0].length; j++)
      if (bytes[m.index + j - 1] === m[0].length - j) {
        names.add(m[0].slice(j));
        break;
      }
  const outputs = [...names].map((name) => field(12, field(1, Buffer.from(name))));
  const graph = field(7, Buffer.concat(outputs));
  const dir = mkdtempSync(join(tmpdir(), 'decoder-lens-plain-'));
  for (const f of readdirSync(dirname(file)))
    if (f.startsWith(basename(file) + '_data') || f === basename(file) + '.data') copyFileSync(join(dirname(file), f), join(dir, f));
  const copy = join(dir, basename(file));
  writeFileSync(copy, Buffer.concat([bytes, graph]));
  return { file: copy, names: [...names], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const int64 = (v: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), dims);

/**
 * Greedy decode of `ids` with the file's own KV cache, fed back as ORT returned it (its own dtype).
 * `shareBuffer`: the past is a preallocated buffer of that many positions, as ONNX Runtime GenAI feeds it with
 * past_present_share_buffer (GroupQueryAttention's present is then the same length, passed back whole).
 */
export async function plainGreedy(
  file: string,
  ids: number[],
  maxNewTokens: number,
  eos: number,
  options: { shareBuffer?: number } = {},
): Promise<PlainRun> {
  const tapped = withSoftmaxOutputs(file);
  const session = await ort.InferenceSession.create(tapped.file);
  try {
    // Optimum/GenAI default names (past_key_values.N.key → present.N.key), or GenAI's past_key_N → present_key_N.
    const pastNames = session.inputNames.filter((n) => n.startsWith('past_'));
    const presentOf = (past: string) =>
      past.startsWith('past_key_values.') ? past.replace('past_key_values.', 'present.') : past.replace(/^past_/, 'present_');
    let past: Record<string, ort.Tensor> = {};
    for (const name of pastNames) {
      const meta = session.inputMetadata.find((m) => m.name === name)!;
      const shape = meta.isTensor ? meta.shape : [];
      const type = meta.isTensor && meta.type === 'float16' ? 'float16' : 'float32';
      const length = options.shareBuffer ?? 0;
      const size = (shape[1] as number) * length * (shape[3] as number);
      past[name] = new ort.Tensor(type, type === 'float16' ? new Uint16Array(size) : new Float32Array(size), [
        1,
        shape[1] as number,
        length,
        shape[3] as number,
      ]);
    }
    const run: PlainRun = { steps: [], inputProbs: [NaN], attention: [] };
    let fed = ids;
    let done = 0;
    for (let step = 0; step < maxNewTokens; step++) {
      const total = done + fed.length;
      const feeds: Record<string, ort.Tensor> = { input_ids: int64(fed, [1, fed.length]), ...past };
      if (session.inputNames.includes('attention_mask')) feeds.attention_mask = int64(new Array<number>(total).fill(1), [1, total]);
      if (session.inputNames.includes('seqlens_k')) feeds.seqlens_k = new ort.Tensor('int32', Int32Array.of(total - 1), [1]);
      if (session.inputNames.includes('total_sequence_length'))
        feeds.total_sequence_length = new ort.Tensor('int32', Int32Array.of(total), []);
      if (session.inputNames.includes('position_ids'))
        feeds.position_ids = int64(
          fed.map((_, i) => done + i),
          [1, fed.length],
        );
      const out = await session.run(feeds);
      const logits = values(out.logits);
      const vocab = out.logits.dims[2];
      if (step === 0) {
        for (let i = 1; i < ids.length; i++) run.inputProbs.push(distribution(logits.subarray((i - 1) * vocab, i * vocab)).probs[ids[i]]);
        for (const name of tapped.names) {
          const [, heads, q, k] = out[name].dims;
          const data = values(out[name]);
          run.attention.push(
            Array.from({ length: heads }, (_, h) => Array.from({ length: q }, (_, r) => data.slice((h * q + r) * k, (h * q + r + 1) * k))),
          );
        }
      }
      const { argmax, probs } = distribution(logits.subarray((fed.length - 1) * vocab, fed.length * vocab));
      run.steps.push({ id: argmax, prob: probs[argmax], top: top5(probs) });
      if (argmax === eos) break;
      past = {};
      for (const name of pastNames) past[name] = out[presentOf(name)];
      done = total;
      fed = [argmax];
    }
    return run;
  } finally {
    await session.release();
    tapped.cleanup();
  }
}

export interface PlainSeq2SeqRun {
  steps: PlainStep[];
  /** Per layer: the encoder's self attention [heads][query][key]. */
  encoder: Map<number, Float64Array[][]>;
  /** Per layer: the first decoder step's cross attention [heads][1][source key] (none for a merged decoder). */
  firstCross: Map<number, Float64Array[][]>;
}

function matrices(tensor: ort.Tensor): Float64Array[][] {
  const [, heads, q, k] = tensor.dims;
  const data = values(tensor);
  return Array.from({ length: heads }, (_, h) => Array.from({ length: q }, (_, r) => data.slice((h * q + r) * k, (h * q + r + 1) * k)));
}

const layerOf = (name: string) => Number(/layers\.(\d+)/.exec(name)?.[1] ?? -1);

/**
 * Optimum's encoder-decoder greedy loop, plain ORT on the given files: encoder, then the decoder for the first
 * step and the with-past decoder after it — or one merged decoder (use_cache_branch false with empty pasts, then
 * true). The encoder key/values come from the first step's presents and are fed unchanged after it.
 */
export async function plainSeq2SeqGreedy(
  files: { encoder: string; decoder: string; withPast?: string },
  sourceIds: number[],
  start: number,
  maxNewTokens: number,
  eos: number,
): Promise<PlainSeq2SeqRun> {
  const encoderTapped = withSoftmaxOutputs(files.encoder);
  const encoder = await ort.InferenceSession.create(encoderTapped.file);
  // A merged decoder's Softmax nodes are inside its If branches, which cannot have graph outputs: it runs untapped.
  const merged = !files.withPast;
  const decoderTapped = merged ? { file: files.decoder, names: [], cleanup: () => {} } : withSoftmaxOutputs(files.decoder);
  const decoder = await ort.InferenceSession.create(decoderTapped.file);
  const withPast = files.withPast ? await ort.InferenceSession.create(files.withPast) : decoder;
  try {
    const n = sourceIds.length;
    const mask = int64(new Array<number>(n).fill(1), [1, n]);
    const encoded = await encoder.run({ input_ids: int64(sourceIds, [1, n]), attention_mask: mask });
    const run: PlainSeq2SeqRun = { steps: [], encoder: new Map(), firstCross: new Map() };
    for (const name of encoderTapped.names) run.encoder.set(layerOf(name), matrices(encoded[name]));
    const branch = (on: boolean): Record<string, ort.Tensor> =>
      merged ? { use_cache_branch: new ort.Tensor('bool', Uint8Array.of(on ? 1 : 0), [1]) } : {};
    const emptyPast: Record<string, ort.Tensor> = {};
    for (const meta of decoder.inputMetadata)
      if (meta.name.startsWith('past_key_values.') && meta.isTensor)
        emptyPast[meta.name] = new ort.Tensor('float32', new Float32Array(0), [1, meta.shape[1] as number, 0, meta.shape[3] as number]);
    let out = await decoder.run({
      input_ids: int64([start], [1, 1]),
      encoder_hidden_states: encoded.last_hidden_state,
      encoder_attention_mask: mask,
      ...emptyPast,
      ...branch(false),
    });
    for (const name of decoderTapped.names.filter((x) => x.includes('encoder_attn')))
      run.firstCross.set(layerOf(name), matrices(out[name]));
    const cross: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(out))
      if (/^present\.\d+\.encoder\./.test(name)) cross[name.replace('present.', 'past_key_values.')] = tensor;
    for (let step = 0; step < maxNewTokens; step++) {
      const { argmax, probs } = distribution(values(out.logits));
      run.steps.push({ id: argmax, prob: probs[argmax], top: top5(probs) });
      if (argmax === eos || step + 1 === maxNewTokens) break;
      const past: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(out))
        if (/^present\.\d+\.decoder\./.test(name)) past[name.replace('present.', 'past_key_values.')] = tensor;
      const extra: Record<string, ort.Tensor> = withPast.inputNames.includes('encoder_hidden_states')
        ? { encoder_hidden_states: encoded.last_hidden_state }
        : {};
      out = await withPast.run({
        input_ids: int64([argmax], [1, 1]),
        encoder_attention_mask: mask,
        ...past,
        ...cross,
        ...extra,
        ...branch(true),
      });
    }
    return run;
  } finally {
    await Promise.all([...new Set([encoder, decoder, withPast])].map((session) => session.release()));
    encoderTapped.cleanup();
    decoderTapped.cleanup();
  }
}
