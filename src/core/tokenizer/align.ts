/**
 * Source offsets for the tokens of one normalised, pre-tokenised stretch of text.
 * Everything is compared as bytes: the normalised text's UTF-8 (each byte knowing its source range), each
 * pre-token's bytes, and each piece's bytes. A pre-token is found at the cursor (or after whitespace the
 * pre-tokenizer dropped, or with a leading space it inserted); its pieces then split its bytes in order.
 */
import type { Aligned } from './aligned';
import { decodeUtf8, isLeadByte, pushUtf8 } from './bytes';
import { type PieceScheme, pieceBytes, pretokenBytes } from './pieces';
import type { EncodedToken } from './types';

export type Piece = Omit<EncodedToken, 'id'>;

const CHAR_START = 1;
const CHAR_END = 2;
const SPACE = 4;
const INSERTED = 8;
/** How far to look for a pre-token or piece that is not where expected (keeps bad cases linear). */
const SEARCH = 256;

interface ByteView {
  bytes: number[];
  src0: number[];
  src1: number[];
  flags: number[];
  /** Source position after the last byte (for empty ranges at the end). */
  endPos: number;
}

const WS = /\s/u;
const isSpace = (cp: number) => cp === 0x20 || (cp >= 9 && cp <= 13) || (cp > 127 && WS.test(String.fromCodePoint(cp)));

function byteView(a: Aligned, spaceChar: string | null): ByteView {
  const v: ByteView = { bytes: [], src0: [], src1: [], flags: [], endPos: a.origin };
  const space = spaceChar ? spaceChar.codePointAt(0)! : -1;
  const t = a.text;
  for (let i = 0; i < t.length;) {
    const cp = t.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    const from = Math.min(a.start[i], a.start[i + w - 1]);
    const to = Math.max(a.end[i], a.end[i + w - 1]);
    const n0 = v.bytes.length;
    if (cp === space) v.bytes.push(0x20);
    else pushUtf8(v.bytes, cp);
    const common = (cp === space || isSpace(cp) ? SPACE : 0) | (to === from ? INSERTED : 0);
    const n1 = v.bytes.length;
    for (let k = n0; k < n1; k++) {
      v.src0.push(from);
      v.src1.push(to);
      v.flags.push(common | (k === n0 ? CHAR_START : 0) | (k === n1 - 1 ? CHAR_END : 0));
    }
    v.endPos = to;
    i += w;
  }
  return v;
}

function matchAt(p: number[], k: number, hay: number[], at: number): boolean {
  const n = p.length - k;
  if (at < 0 || at + n > hay.length) return false;
  for (let i = 0; i < n; i++) if (hay[at + i] !== p[k + i]) return false;
  return true;
}

/** Position of `p` in hay[from, to + |p|), or -1. */
function indexOf(p: number[], hay: number[], from: number, to: number): number {
  for (let at = from; at <= to && at + p.length <= hay.length; at++) if (matchAt(p, 0, hay, at)) return at;
  return -1;
}

function nextChar(bytes: number[], q: number): number {
  q++;
  while (q < bytes.length && !isLeadByte(bytes[q])) q++;
  return Math.min(q, bytes.length);
}

/** Where pre-token bytes P start in the view, and how many of its leading bytes are an inserted space. */
function locate(p: number[], v: ByteView, c: number): [number, number] {
  const tryAt = (x: number) => (matchAt(p, 0, v.bytes, x) ? 0 : p[0] === 0x20 && matchAt(p, 1, v.bytes, x) ? 1 : -1);
  let lead = tryAt(c);
  if (lead >= 0) return [c, lead];
  let d = c;
  while (d < v.bytes.length && v.flags[d] & SPACE) d++; // whitespace the pre-tokenizer dropped
  const limit = Math.min(v.bytes.length, d + SEARCH);
  for (let x = d; x <= limit; x++) {
    lead = tryAt(x);
    if (lead >= 0) return [x, lead];
  }
  return [c, 0]; // not found (should not happen): assume it is here
}

/** Byte spans [a, b) of each piece inside its pre-token's bytes. */
function splitPretoken(p: number[], pieces: string[], s: PieceScheme): [number, number][] {
  const n = pieces.length;
  const known = pieces.map((t, i) => pieceBytes(t, s, i === 0, i === n - 1));
  const spans: [number, number][] = new Array(n);
  let q = 0;
  for (let i = 0; i < n;) {
    const b = known[i];
    if (b) {
      let at = q;
      if (!matchAt(b, 0, p, q)) {
        const f = indexOf(b, p, q, q + SEARCH); // skip characters the model dropped
        if (f >= 0) at = f;
      }
      const e = Math.min(p.length, at + b.length);
      spans[i++] = [Math.min(at, e), e];
      q = e;
      continue;
    }
    // A run of unknown pieces: it covers up to the next known piece (or the end), one character each.
    let j = i;
    while (j < n && !known[j]) j++;
    let e = p.length;
    if (j < n) {
      const f = indexOf(known[j]!, p, nextChar(p, q), Math.min(p.length, q + 16 * SEARCH));
      e = f >= 0 ? f : Math.min(p.length, nextChar(p, q));
    }
    for (let k = i; k < j; k++) {
      const stop = k === j - 1 ? e : Math.min(e, nextChar(p, q));
      spans[k] = [q, Math.max(q, stop)];
      q = Math.max(q, stop);
    }
    i = j;
  }
  return spans;
}

/** The token for view bytes [na, nb): inserted bytes give no source; a cut character makes it partial. */
function pieceAt(piece: string, v: ByteView, na: number, nb: number): Piece {
  let x = na;
  while (x < nb && v.flags[x] & INSERTED) x++;
  let y = nb;
  while (y > x && v.flags[y - 1] & INSERTED) y--;
  if (x >= y) {
    const at = na < v.bytes.length ? v.src0[na] : v.endPos;
    return { piece, text: '', start: at, end: at, special: false, partial: false };
  }
  const partial = !(v.flags[x] & CHAR_START) || !(v.flags[y - 1] & CHAR_END);
  // The text is the characters the token holds whole ('Ġ' + part of an emoji reads ' '); '' for a bare fragment.
  let a = x;
  while (a < y && !(v.flags[a] & CHAR_START)) a++;
  let b = y;
  while (b > a && !(v.flags[b - 1] & CHAR_END)) b--;
  return {
    piece,
    text: a < b ? (decodeUtf8(v.bytes, a, b) ?? '') : '',
    start: Math.min(v.src0[x], v.src0[y - 1]),
    end: Math.max(v.src1[x], v.src1[y - 1]),
    special: false,
    partial,
  };
}

/**
 * Tokens with offsets for one stretch: `pretokens` are what the library's pre-tokenizer made of `a.text`,
 * `encode` is the model (one pre-token at a time, so each piece is known to belong to its pre-token).
 */
export function alignStretch(a: Aligned, pretokens: string[], encode: (pt: string) => string[], s: PieceScheme): Piece[] {
  const v = byteView(a, s.spaceChar);
  const out: Piece[] = [];
  let c = 0;
  for (const pt of pretokens) {
    const p = pretokenBytes(pt, s);
    const [pos, lead] = locate(p, v, c);
    const pieces = encode(pt);
    const spans = splitPretoken(p, pieces, s);
    const clamp = (b: number) => Math.min(v.bytes.length, pos + Math.max(b - lead, 0));
    for (let i = 0; i < pieces.length; i++) out.push(pieceAt(pieces[i], v, clamp(spans[i][0]), clamp(spans[i][1])));
    c = clamp(p.length);
  }
  return out;
}
