// Streams a large generated decoder (hundreds of MB of weights) to disk without holding it in memory twice,
// cached under the OS temp folder by a version key.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { onnx } from 'onnx-proto';
import { encodeVarint } from '../../src/core/onnx/wire';
import { type GptParts, type GptSpec, gptGraph } from './gptGraph';
import { initValues } from './gptModel';
import { T } from './onnxBuild';

/** Bump when the generated graph changes, so a stale cached model is not measured. */
const VERSION = 'v1';

/** 12 GPT-2-small-sized blocks (~28 MB of weights each): 391 MB. DECODER_LENS_BENCH_LAYERS=22 gives ~670 MB. */
export const BIG_SPEC: GptSpec = {
  layers: Number(process.env.DECODER_LENS_BENCH_LAYERS) || 12,
  hidden: 768,
  heads: 12,
  vocab: 8192,
  ffn: 3072,
  valueInfo: true,
};

const field = (no: number, len: number) => Uint8Array.from([...encodeVarint(no * 8 + 2), ...encodeVarint(len)]);

/** Returns the path of the cached model, generating it first if needed. */
export function bigModel(log: (s: string) => void = () => {}): string {
  const dir = join(tmpdir(), `decoder-lens-bench-graph-${VERSION}-${BIG_SPEC.layers}x${BIG_SPEC.hidden}`);
  return writeGptModel(BIG_SPEC, join(dir, 'decoder_model.onnx'), log);
}

/**
 * Streams a generated model to disk (weights are written as they are made, never held all at once), once:
 * a `.done` marker beside it says the file is complete.
 */
export function writeGptModel(spec: GptSpec, path: string, log: (s: string) => void = () => {}): string {
  return writeGraphModel(() => gptGraph(spec), path, log, `${spec.layers} layers, d=${spec.hidden}`);
}

export interface WriteOptions {
  /**
   * Write every initializer of 1 KB or more to `<file>_data` beside the model, in order, unaligned — what
   * onnx.save_model(save_as_external_data=True, all_tensors_to_one_file=True, size_threshold=1024) writes for
   * Optimum and transformers.js exports over 2 GB.
   */
  externalData?: boolean;
}

/** Streams the graph `make()` returns to `path` (and its data file), once; `.done` marks a complete write. */
export function writeGraphModel(make: () => GptParts, path: string, log: (s: string) => void, what: string, o: WriteOptions = {}): string {
  const done = `${path}.done`;
  if (existsSync(done) && existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  log(`generating ${path} (${what}${o.externalData ? ', external data' : ''}) …`);
  const p = make();
  const partA = onnx.GraphProto.encode({ node: p.nodes, name: 'main_graph' }).finish();
  const partB = onnx.GraphProto.encode({ input: p.inputs, output: p.outputs, valueInfo: p.valueInfo }).finish();
  const dataName = `${basename(path)}_data`;
  let offset = 0;
  const inits = p.initializers.map((s) => {
    const payload = s.dims.reduce((a, b) => a * b, 1) * 4;
    const external = o.externalData === true && payload >= 1024;
    const header = onnx.TensorProto.encode({
      dims: s.dims,
      dataType: T.FLOAT,
      name: s.name,
      ...(external
        ? {
            dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
            externalData: [
              { key: 'location', value: dataName },
              { key: 'offset', value: String(offset) },
              { key: 'length', value: String(payload) },
            ],
          }
        : {}),
    }).finish();
    if (external) offset += payload;
    const raw = external ? new Uint8Array(0) : field(9, payload);
    const body = header.length + raw.length + (external ? 0 : payload);
    return { s, external, prefix: [field(5, body), header, raw], size: field(5, body).length + body };
  });
  const graphLen = partA.length + partB.length + inits.reduce((n, i) => n + i.size, 0);
  const head = onnx.ModelProto.encode({ irVersion: 8, producerName: 'decoder-lens bench' }).finish();
  const tail = onnx.ModelProto.encode({ opsetImport: [{ domain: '', version: 17 }] }).finish();
  const tmp = `${path}.partial`;
  const dataPath = join(dirname(path), dataName);
  const fd = openSync(tmp, 'w');
  const dataFd = o.externalData ? openSync(dataPath, 'w') : -1;
  const write = (b: Uint8Array) => writeSync(fd, b);
  try {
    write(head);
    write(field(7, graphLen));
    write(partA);
    for (const i of inits) {
      i.prefix.forEach(write);
      const v = initValues(i.s);
      writeSync(i.external ? dataFd : fd, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    }
    write(partB);
    write(tail);
  } finally {
    closeSync(fd);
    if (dataFd >= 0) closeSync(dataFd);
  }
  renameSync(tmp, path);
  const size = statSync(path).size + (o.externalData ? statSync(dataPath).size : 0);
  writeFileSync(done, String(size));
  log(`generated ${(size / 1e6).toFixed(0)} MB`);
  return path;
}
