/**
 * A string that remembers where each of its UTF-16 units came from in the source text, so offsets survive
 * normalisation. Units a normaliser inserted (Prepend '▁') map to an empty range.
 */
export interface Aligned {
  text: string;
  /** Source range [start[i], end[i]) of unit i. */
  start: number[];
  end: number[];
  /** Source position of an empty string (where it sits). */
  origin: number;
}

export function fromSource(src: string, from: number, to: number): Aligned {
  const start: number[] = new Array(to - from);
  const end: number[] = new Array(to - from);
  for (let i = from; i < to; i++) {
    start[i - from] = i;
    end[i - from] = i + 1;
  }
  return { text: src.slice(from, to), start, end, origin: from };
}

/** Source position just before unit i (i may equal the length). */
function positionAt(a: Aligned, i: number): number {
  if (i < a.text.length) return a.start[i];
  return a.text.length ? a.end[a.text.length - 1] : a.origin;
}

/** The source range covered by units [from, to); empty ranges sit where the units would be. */
export function rangeOf(a: Aligned, from: number, to: number): [number, number] {
  if (to <= from) {
    const p = positionAt(a, from);
    return [p, p];
  }
  let s = Infinity;
  let e = -Infinity;
  for (let i = from; i < to; i++) {
    if (a.end[i] === a.start[i]) continue; // inserted: no source
    if (a.start[i] < s) s = a.start[i];
    if (a.end[i] > e) e = a.end[i];
  }
  if (s === Infinity) {
    const p = a.start[from];
    return [p, p];
  }
  return [s, e];
}

export function sliceAligned(a: Aligned, from: number, to: number): Aligned {
  return { text: a.text.slice(from, to), start: a.start.slice(from, to), end: a.end.slice(from, to), origin: positionAt(a, from) };
}

class Builder {
  private parts: string[] = [];
  start: number[] = [];
  end: number[] = [];
  constructor(private readonly origin: number) {}
  /** Adds `s`, every unit mapped to [from, to). */
  push(s: string, from: number, to: number): void {
    this.parts.push(s);
    for (let k = 0; k < s.length; k++) {
      this.start.push(from);
      this.end.push(to);
    }
  }
  /** Copies the alignment of units [from, to) of `a`, with `s` (same length) as their text. */
  copy(a: Aligned, from: number, to: number, s = a.text.slice(from, to)): void {
    if (to <= from) return;
    this.parts.push(s);
    for (let i = from; i < to; i++) {
      this.start.push(a.start[i]);
      this.end.push(a.end[i]);
    }
  }
  done(): Aligned {
    return { text: this.parts.join(''), start: this.start, end: this.end, origin: this.origin };
  }
}

/** Adds `s` for units [from, to) of `a`: one to one when the length is kept, else every unit maps to the whole range. */
function pushReplacement(b: Builder, a: Aligned, from: number, to: number, s: string): void {
  if (s.length === to - from) b.copy(a, from, to, s);
  else {
    const [rs, re] = rangeOf(a, from, to);
    b.push(s, rs, re);
  }
}

/**
 * Makes `a` read exactly `wanted` (what the library produced), keeping the alignment where they agree.
 * Where they differ, the differing middle maps to the union of the source it came from: coarse but safe.
 */
export function reconcile(a: Aligned, wanted: string): Aligned {
  if (a.text === wanted) return a;
  if (a.text.length === wanted.length) return { ...a, text: wanted };
  const n = a.text.length;
  const m = wanted.length;
  let p = 0;
  while (p < n && p < m && a.text.charCodeAt(p) === wanted.charCodeAt(p)) p++;
  let s = 0;
  while (s < n - p && s < m - p && a.text.charCodeAt(n - 1 - s) === wanted.charCodeAt(m - 1 - s)) s++;
  const b = new Builder(a.origin);
  b.copy(a, 0, p);
  const [rs, re] = rangeOf(a, p, n - s);
  b.push(wanted.slice(p, m - s), rs, re);
  b.copy(a, n - s, n);
  return b.done();
}

/** ASCII runs (not ending on a base of a mark), or one code point with its combining marks: the pieces a local normaliser can treat alone. */
const CHUNK = /([\0-\x7f]+)(?!\p{M})|\P{M}\p{M}*|\p{M}+/gu;

/**
 * Applies a normaliser that works character by character (case, NFx, accents, BERT cleaning) chunk by chunk,
 * so each output unit knows its source; then agrees with the library's own whole-string result.
 */
export function mapLocal(a: Aligned, f: (chunk: string) => string, wanted: string): Aligned {
  if (wanted === a.text) return a;
  const b = new Builder(a.origin);
  for (const m of a.text.matchAll(CHUNK)) {
    const from = m.index!;
    const chunk = m[0];
    const out = f(chunk);
    if (out.length !== chunk.length && m[1] !== undefined) {
      // An ASCII run that changed length (control characters removed): go char by char to stay fine-grained.
      for (let k = 0; k < chunk.length; k++) pushReplacement(b, a, from + k, from + k + 1, f(chunk[k]));
    } else pushReplacement(b, a, from, from + chunk.length, out);
  }
  return reconcile(b.done(), wanted);
}

/** text.replaceAll(re, content), aligned: the replacement maps to what it replaced. */
export function replaceAligned(a: Aligned, re: RegExp, content: string, wanted: string): Aligned {
  const b = new Builder(a.origin);
  let last = 0;
  for (const m of a.text.matchAll(re)) {
    const from = m.index!;
    const to = from + m[0].length;
    b.copy(a, last, from);
    if (to > from) {
      const [rs, re2] = rangeOf(a, from, to);
      b.push(content, rs, re2);
    } else {
      const p = positionAt(a, from);
      b.push(content, p, p);
    }
    last = to;
  }
  b.copy(a, last, a.text.length);
  return reconcile(b.done(), wanted);
}

/** String.prototype.trim / trimStart / trimEnd, aligned. */
export function stripAligned(a: Aligned, left: boolean, right: boolean): Aligned {
  const t = a.text;
  const from = left ? t.length - t.trimStart().length : 0;
  const to = right ? t.trimEnd().length : t.length;
  return sliceAligned(a, from, Math.max(from, to));
}

/** Inserts `s` in front; it stands for no source character. */
export function prependAligned(a: Aligned, s: string): Aligned {
  const b = new Builder(a.origin);
  const p = positionAt(a, 0);
  b.push(s, p, p);
  b.copy(a, 0, a.text.length);
  return b.done();
}
