// What the lazy reader knows about a model: its structure, never its weights.

export type ElemType =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'uint4'
  | 'int4'
  | 'float4e2m1';

/** ONNX TensorProto.DataType numbers, in order from 1. */
export const ELEM_TYPES: readonly ElemType[] = [
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16',
  'float64',
  'uint32',
  'uint64',
  'complex64',
  'complex128',
  'bfloat16',
  'float8e4m3fn',
  'float8e4m3fnuz',
  'float8e5m2',
  'float8e5m2fnuz',
  'uint4',
  'int4',
  'float4e2m1',
];

export function elemTypeName(dataType: number): ElemType | undefined {
  return ELEM_TYPES[dataType - 1];
}

export function elemTypeNumber(t: ElemType): number {
  return ELEM_TYPES.indexOf(t) + 1;
}

/** A byte range in the model file (absolute offsets). */
export interface ByteRange {
  offset: number;
  length: number;
}

export interface ValueInfo {
  name: string;
  /** The tensor element type, when the value is a typed tensor. */
  elemType?: ElemType;
  /** Dimensions: a number, a symbolic name, or null when unknown. Absent when the rank is unknown. */
  shape?: (number | string | null)[];
}

export interface ExternalDataRef {
  /** The file name relative to the model's folder, as written in the model. */
  location: string;
  offset: number;
  /** Length in bytes, or null when the model leaves it to the tensor's size. */
  length: number | null;
}

export interface TensorInfo {
  name: string;
  dataType: number;
  elemType?: ElemType;
  dims: number[];
  /** Where the payload bytes sit in the model file (raw_data or a packed typed-data field), if inside it. */
  data: ByteRange | null;
  /** Which TensorProto field holds the payload (e.g. 'raw_data', 'int64_data'). */
  dataField: string | null;
  /** Set when the payload lives in an external data file. */
  external: ExternalDataRef | null;
  /** A copy of the payload when it is tiny (shape constants and the like); never set for weights. */
  small?: Uint8Array;
}

export interface InitializerInfo extends TensorInfo {
  /** The whole TensorProto message in the file (for slicing, never for decoding). */
  range: ByteRange;
}

export type AttributeValue = number | string | number[] | string[] | TensorInfo | TensorInfo[] | null;

export interface NodeInfo {
  name: string;
  opType: string;
  /** '' for the default ONNX domain ('ai.onnx' is normalised to ''). */
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
  /** Graph-valued attributes (If branches, Loop/Scan bodies); a GRAPHS list is stored as `name[i]`. */
  subgraphs: Record<string, GraphInfo>;
  /** NodeProto.metadata_props (the dynamo exporter keeps module scopes here). */
  metadata: Record<string, string>;
  /** Position in its graph's node list. */
  index: number;
  /** The node field in the file, key included. */
  range: ByteRange;
}

export interface GraphInfo {
  name: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: NodeInfo[];
  initializers: InitializerInfo[];
  valueInfo: ValueInfo[];
  /** The graph field(s) in the file (a ModelProto may carry its graph in several merged pieces). */
  ranges: ByteRange[];
}

export interface OpsetInfo {
  domain: string;
  version: number;
}

export interface ModelInfo {
  path: string;
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: OpsetInfo[];
  metadata: Record<string, string>;
  graph: GraphInfo;
  /** External data files the initializers name, relative to the model's folder. */
  externalDataFiles: string[];
  byteLength: number;
}

/**
 * The mask a fused attention kernel applies inside itself, as the op's inputs and attributes describe it (the
 * graph has no tensor for it). `impliedVisibility` (onnx/recompute/implied.ts) turns it into a visible/hidden grid.
 */
export interface ImpliedMask {
  /** For people: 'implied by com.microsoft GroupQueryAttention (causal, local_window_size=3, seqlens_k)'. */
  label: string;
  /** The op, with its domain: 'com.microsoft Attention', 'Attention' (ONNX). */
  op: string;
  /**
   * Queries see keys at or before their own position. 'end': the queries are the last rows of the keys (a past
   * before them), 'start': query i sees keys 0 … i whatever the past (upper-left alignment).
   */
  causal: 'end' | 'start' | null;
  /** Sliding window: the query at position p sees only `window` keys, its own included (GroupQueryAttention's local_window_size). */
  window: number | null;
  /** The input that hides keys per batch row, and how the kernel reads it. */
  padding: { input: string; form: '2d' | '3d' | '1d-end' | '1d-end-start' | 'seqlens-k' } | null;
}
