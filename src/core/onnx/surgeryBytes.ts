// Encodes graph edits: new fields to append to a graph, and changed node fields. Within a changed node, everything
// untouched (a branch's nodes and initializers) is kept as slices of the original bytes, never decoded.
import type { NodeEdit } from './attention';
import { type ElemType, elemTypeNumber } from './types';
import { Writer, readField } from './wire';

export interface NewNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  axis?: number;
  /** For a Constant placeholder: an empty tensor of this type and rank. */
  placeholder?: { elemType: string; rank: number };
  /** A NodeProto body encoded by the caller (nodes with more attributes than these), written as is. */
  body?: Uint8Array;
}

/** Changes to one graph, keyed by node position; branch edits nest through If nodes. */
export interface GraphEdit {
  nodes: Map<number, NodeChange>;
  addOutputs: string[];
  addValueInfo: { name: string; elemType: string }[];
  addNodes: NewNode[];
}

export interface NodeChange {
  edit?: NodeEdit;
  appendOutputs: string[];
  branches: Map<string, GraphEdit>;
  /** Nodes written right after this one (a subgraph's nodes must stay topologically sorted); used by interventions/hooks.ts. */
  insertAfter?: NewNode[];
}

export function emptyGraphEdit(): GraphEdit {
  return { nodes: new Map(), addOutputs: [], addValueInfo: [], addNodes: [] };
}

const ATTR_INT = 2;
const ATTR_TENSOR = 4;

function encodeNode(n: NewNode): Writer {
  if (n.body) return new Writer().raw(n.body);
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  if (n.axis !== undefined) w.message(5, new Writer().string(1, 'axis').varint(3, n.axis).varint(20, ATTR_INT));
  if (n.placeholder) {
    const t = new Writer();
    for (let i = 0; i < Math.max(1, n.placeholder.rank); i++) t.varint(1, 0);
    t.varint(2, elemTypeNumber(n.placeholder.elemType as ElemType) || 1);
    w.message(5, new Writer().string(1, 'value').message(5, t).varint(20, ATTR_TENSOR));
  }
  return w;
}

function valueInfo(name: string, elemType?: string): Writer {
  const w = new Writer().string(1, name);
  if (elemType) {
    const tensorType = new Writer().varint(1, elemTypeNumber(elemType as ElemType) || 1);
    w.message(2, new Writer().message(1, tensorType));
  }
  return w;
}

/** The fields a graph edit appends to its graph body. */
export function additions(edit: GraphEdit): Uint8Array[] {
  const w = new Writer();
  for (const n of edit.addNodes) w.message(1, encodeNode(n));
  for (const o of edit.addOutputs) w.message(12, valueInfo(o));
  for (const v of edit.addValueInfo) w.message(13, valueInfo(v.name, v.elemType));
  return w.toPieces();
}

function isEmpty(edit: GraphEdit): boolean {
  return edit.nodes.size === 0 && edit.addOutputs.length === 0 && edit.addValueInfo.length === 0 && edit.addNodes.length === 0;
}

/** Rewrites a graph body: edited node fields re-encoded, everything else sliced. `counter` numbers node fields. */
function rewriteGraphBody(
  buf: Uint8Array,
  start: number,
  end: number,
  edit: GraphEdit,
  counter: { n: number },
  append: boolean,
): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let run = start;
  let pos = start;
  while (pos < end) {
    const f = readField(buf, pos, end, 0);
    pos = f.end;
    if (f.no !== 1) continue;
    const change = edit.nodes.get(counter.n++);
    if (!change) continue;
    pieces.push(buf.subarray(run, f.keyStart));
    pieces.push(...new Writer().pieces(1, rewriteNode(buf, f.start, f.end, change)).toPieces());
    pieces.push(...inserted(change));
    run = f.end;
  }
  pieces.push(buf.subarray(run, end));
  if (append) pieces.push(...additions(edit));
  return pieces;
}

function attributeName(buf: Uint8Array, start: number, end: number): string {
  let pos = start;
  while (pos < end) {
    const f = readField(buf, pos, end, 0);
    if (f.no === 1) return new TextDecoder().decode(buf.subarray(f.start, f.end));
    pos = f.end;
  }
  return '';
}

function rewriteNode(buf: Uint8Array, start: number, end: number, change: NodeChange): Uint8Array[] {
  const w = new Writer();
  const setInts = change.edit?.setInts ?? {};
  let pos = start;
  while (pos < end) {
    const f = readField(buf, pos, end, 0);
    pos = f.end;
    const field = buf.subarray(f.keyStart, f.end);
    if (f.no === 2 && change.edit?.outputs) continue; // replaced below
    if (f.no === 5) {
      const name = attributeName(buf, f.start, f.end);
      if (name in setInts) continue;
      const branch = change.branches.get(name);
      if (branch && !isEmpty(branch)) {
        w.pieces(5, rewriteAttribute(buf, f.start, f.end, branch));
        continue;
      }
    }
    w.raw(field);
  }
  for (const o of change.edit?.outputs ?? []) w.string(2, o);
  for (const o of change.appendOutputs) w.string(2, o);
  for (const [name, value] of Object.entries(setInts)) {
    w.message(5, new Writer().string(1, name).varint(3, value).varint(20, ATTR_INT));
  }
  return w.toPieces();
}

function rewriteAttribute(buf: Uint8Array, start: number, end: number, edit: GraphEdit): Uint8Array[] {
  const w = new Writer();
  let pos = start;
  while (pos < end) {
    const f = readField(buf, pos, end, 0);
    pos = f.end;
    if (f.no === 6) w.pieces(6, rewriteGraphBody(buf, f.start, f.end, edit, { n: 0 }, true));
    else w.raw(buf.subarray(f.keyStart, f.end));
  }
  return w.toPieces();
}

/** A changed node field (key, new length, body) from the original field's bytes. */
export function rewriteNodeField(field: Uint8Array, change: NodeChange): Uint8Array[] {
  const f = readField(field, 0, field.length, 0);
  return [...new Writer().pieces(1, rewriteNode(field, f.start, f.end, change)).toPieces(), ...inserted(change)];
}

function inserted(change: NodeChange): Uint8Array[] {
  const w = new Writer();
  for (const n of change.insertAfter ?? []) w.message(1, encodeNode(n));
  return w.toPieces();
}
