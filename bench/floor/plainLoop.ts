/**
 * The floor every decode is measured against: plain onnxruntime-node, greedy, with the KV cache — what anyone
 * would write in a few lines. Only onnxruntime-node is loaded (the process baseline runs this file alone).
 * Feeds the Optimum names: input_ids, attention_mask, position_ids, use_cache_branch, past_key_values.N.*.
 */
import * as ort from 'onnxruntime-node';

const int64 = (values: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);

/** A zero-length past of the shape the input declares ([batch, heads, 0, head size]). */
function emptyPast(session: ort.InferenceSession, name: string): ort.Tensor {
  const meta = session.inputMetadata.find((m) => m.name === name);
  const shape = meta?.isTensor ? meta.shape : [];
  const dim = (i: number) => (typeof shape[i] === 'number' ? (shape[i] as number) : 1);
  return new ort.Tensor('float32', new Float32Array(0), [1, dim(1), 0, dim(3)]);
}

/**
 * Greedy generation of `newTokens` tokens after `ids`, feeding the cache back when the session has past inputs
 * (full recompute otherwise). Returns the chosen ids.
 */
export async function plainGreedy(session: ort.InferenceSession, ids: number[], newTokens: number): Promise<number[]> {
  const names = session.inputNames;
  const pastNames = names.filter((n) => n.startsWith('past_key_values.'));
  const all = [...ids];
  const chosen: number[] = [];
  let past: Record<string, ort.Tensor> = {};
  for (let step = 0; step < newTokens; step++) {
    const cached = step > 0 && pastNames.length > 0;
    const start = cached ? all.length - 1 : 0;
    const fed = all.slice(start);
    const feeds: Record<string, ort.Tensor> = { input_ids: int64(fed, [1, fed.length]) };
    if (names.includes('attention_mask')) feeds.attention_mask = int64(new Array<number>(all.length).fill(1), [1, all.length]);
    if (names.includes('position_ids'))
      feeds.position_ids = int64(
        Array.from({ length: fed.length }, (_, i) => start + i),
        [1, fed.length],
      );
    if (names.includes('use_cache_branch')) feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.of(cached ? 1 : 0), [1]);
    for (const name of pastNames) feeds[name] = cached ? past[name] : emptyPast(session, name);
    const out = await session.run(feeds);
    const logits = out.logits;
    const vocab = logits.dims[logits.dims.length - 1];
    const data = logits.data as Float32Array;
    let best = data.length - vocab;
    for (let i = best + 1; i < data.length; i++) if (data[i] > data[best]) best = i;
    const id = best - (data.length - vocab);
    chosen.push(id);
    all.push(id);
    past = {};
    for (const [name, tensor] of Object.entries(out)) if (name.startsWith('present.')) past[`past_key_values.${name.slice(8)}`] = tensor;
  }
  return chosen;
}
