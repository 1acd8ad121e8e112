/** UTF-8 and GPT-2 byte-level helpers. Lone surrogates count as U+FFFD, as TextEncoder encodes them. */

/** GPT-2's byte → printable character table (ByteLevel pre-tokenizer and decoder). */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + extra++);
  }
  return table;
})();

/** Inverse of BYTE_TO_CHAR, indexed by char code (all codes are below 0x144). */
const CHAR_TO_BYTE: Int16Array = (() => {
  const inv = new Int16Array(0x200).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => (inv[c.charCodeAt(0)] = b));
  return inv;
})();

/** Appends the UTF-8 bytes of one code point. */
export function pushUtf8(out: number[], cp: number): void {
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

/** UTF-8 bytes of a string; `spaceChar` (e.g. '▁') is read as a plain space so Metaspace text lines up with its source. */
export function utf8Bytes(s: string, spaceChar: string | null = null): number[] {
  const out: number[] = [];
  const space = spaceChar ? spaceChar.codePointAt(0) : -1;
  for (let i = 0; i < s.length;) {
    const cp = s.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    if (cp === space) out.push(0x20);
    else pushUtf8(out, cp);
  }
  return out;
}

/** The bytes a byte-level piece ('Ġthe') stands for; characters outside the table count as their own UTF-8. */
export function byteLevelBytes(piece: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < piece.length;) {
    const cp = piece.codePointAt(i)!;
    i += cp > 0xffff ? 2 : 1;
    const b = cp < 0x200 ? CHAR_TO_BYTE[cp] : -1;
    if (b >= 0) out.push(b);
    else pushUtf8(out, cp);
  }
  return out;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes[from, to) as UTF-8, or null when they are not whole, valid characters. */
export function decodeUtf8(bytes: ArrayLike<number>, from = 0, to = bytes.length): string | null {
  let ascii = true;
  for (let i = from; i < to && ascii; i++) ascii = bytes[i] < 0x80;
  if (ascii) {
    let s = '';
    for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }
  try {
    return strict.decode(Uint8Array.from({ length: to - from }, (_, k) => bytes[from + k]));
  } catch {
    return null;
  }
}

/** True for the first byte of a UTF-8 sequence (not a continuation byte). */
export const isLeadByte = (b: number): boolean => (b & 0xc0) !== 0x80;

/** Bytes in a sequence that starts with this lead byte (1 for stray bytes). */
const sequenceLength = (b: number): number => (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1);

/** The whole characters in a byte run, without a cut character at either end ('' when there are none). */
export function decodeWhole(bytes: number[]): string {
  let from = 0;
  while (from < bytes.length && !isLeadByte(bytes[from])) from++;
  let to = bytes.length;
  // Drop a trailing sequence that is shorter than its lead byte announces.
  let lead = to - 1;
  while (lead > from && !isLeadByte(bytes[lead])) lead--;
  if (lead >= from && lead + sequenceLength(bytes[lead]) > to) to = lead;
  return decodeUtf8(bytes, from, to) ?? '';
}
