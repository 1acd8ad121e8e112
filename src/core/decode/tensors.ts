import * as ort from 'onnxruntime-node';
import { DecoderLensError } from '../errors';
import { halfToFloat } from '../float16';

export function int64Tensor(values: ArrayLike<number>, dims: readonly number[]): ort.Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return new ort.Tensor('int64', data, dims);
}

export function boolTensor(value: boolean): ort.Tensor {
  return new ort.Tensor('bool', Uint8Array.of(value ? 1 : 0), [1]);
}

export const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** A float tensor's values as float32 (float16 models return Uint16 bit patterns: decoded by table). */
export function floatData(tensor: ort.Tensor, name: string): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return halfToFloat(tensor.data as Uint16Array);
  if (tensor.type === 'float64') return Float32Array.from(tensor.data as Float64Array);
  if (tensor.type === 'bool' || tensor.type === 'uint8') return Float32Array.from(tensor.data as Uint8Array);
  if (tensor.type === 'int64') return Float32Array.from(tensor.data as BigInt64Array, Number);
  throw new DecoderLensError(
    'unsupported',
    `Output ${name} has type ${tensor.type}; Decoder Lens reads float32, float16, float64, bool and int64.`,
  );
}

/** The last two dimensions of a tensor, and how many [q, k] slices come before them. */
export function lastTwo(dims: readonly number[]): { slices: number; rows: number; cols: number } {
  const rows = dims.length >= 2 ? dims[dims.length - 2] : 1;
  const cols = dims.length >= 1 ? dims[dims.length - 1] : 1;
  const slices = dims.slice(0, -2).reduce((a, b) => a * b, 1);
  return { slices, rows, cols };
}
