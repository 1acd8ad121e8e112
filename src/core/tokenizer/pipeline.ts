/**
 * The library's Tokenizer.encode_text, step for step, keeping track of where every piece came from:
 * added-token split → (remove_space, lowercasing) → normaliser → added-token split again → pre-tokenizer → model.
 * It must produce the same pieces as the library; TextTokenizer's tests compare the ids.
 */
import { type Aligned, fromSource, rangeOf, sliceAligned } from './aligned';
import { alignStretch, type Piece } from './align';
import type { HfAddedToken, HfInternals } from './lib';
import { normalizeAligned, preNormalizeAligned } from './normalize';
import type { PieceScheme } from './pieces';

interface Section {
  text: string;
  from: number;
}

/** Splits on added tokens (the splitter's pieces concatenate to the input), then applies lstrip/rstrip. */
function splitAdded(splitter: { split(t: string): string[] }, map: Map<string, HfAddedToken>, text: string): Section[] {
  const sections: Section[] = [];
  let at = 0;
  for (const s of splitter.split(text)) {
    sections.push({ text: s, from: at });
    at += s.length;
  }
  // Same order and conditions as the library: a stripped neighbour may itself be looked at later.
  sections.forEach((section, i) => {
    const added = map.get(section.text);
    if (!added) return;
    if (added.lstrip && i > 0) sections[i - 1].text = sections[i - 1].text.trimEnd();
    if (added.rstrip && i < sections.length - 1) {
      const next = sections[i + 1];
      const trimmed = next.text.trimStart();
      next.from += next.text.length - trimmed.length;
      next.text = trimmed;
    }
  });
  return sections;
}

/** An added token found in the text; `found` is the text as matched (its normalised form, for normalized tokens). */
function addedPiece(token: HfAddedToken, found: string, start: number, end: number): Piece {
  return token.special
    ? { piece: found, text: found, start: null, end: null, special: true, partial: false }
    : { piece: found, text: found, start, end, special: false, partial: false };
}

/** The library's fuse_unk: runs of unknown pieces become one (concatenated, unless the first is the unk token). */
function fuseUnknowns(pieces: Piece[], t: HfInternals): Piece[] {
  const ids = t.model.tokens_to_ids;
  const unk = t.model.unk_token_id;
  const isUnk = (p: string) => (ids.get(p) ?? unk) === unk;
  const fused: Piece[] = [];
  let i = 0;
  while (i < pieces.length) {
    const head = { ...pieces[i] };
    fused.push(head);
    if (!isUnk(head.piece)) {
      i++;
      continue;
    }
    while (++i < pieces.length && isUnk(pieces[i].piece)) {
      const next = pieces[i];
      if (ids.get(head.piece) !== unk) head.piece += next.piece; // else the library drops it; its text joins the head
      head.text += next.text;
      head.start = Math.min(head.start!, next.start!);
      head.end = Math.max(head.end!, next.end!);
      head.partial ||= next.partial;
    }
  }
  return fused;
}

/** One normalised section: split on normalised added tokens, then pre-tokenise and run the model. */
function encodeNormalized(t: HfInternals, scheme: PieceScheme, a: Aligned, sectionIndex: number, out: Piece[]): void {
  const encode = (pt: string) => t.model.encode([pt]);
  for (const sub of splitAdded(t.splitter_normalized, t.added_tokens_map, a.text)) {
    if (sub.text.length === 0) continue;
    const to = sub.from + sub.text.length;
    const added = t.added_tokens_map.get(sub.text);
    if (added) {
      const [s, e] = rangeOf(a, sub.from, to);
      out.push(addedPiece(added, sub.text, s, e));
      continue;
    }
    const stretch = sliceAligned(a, sub.from, to);
    const pretokens = t.pre_tokenizer ? t.pre_tokenizer(stretch.text, { section_index: sectionIndex }) : [stretch.text];
    const pieces = alignStretch(stretch, pretokens, encode, scheme);
    for (const p of t.model.fuse_unk ? fuseUnknowns(pieces, t) : pieces) out.push(p);
  }
}

/** Pieces of `text` with offsets, before the post-processor adds its special tokens. */
export function encodePieces(t: HfInternals, scheme: PieceScheme, text: string): Piece[] {
  const out: Piece[] = [];
  splitAdded(t.splitter_unnormalized, t.added_tokens_map, text).forEach((section, index) => {
    if (section.text.length === 0) return;
    const added = t.added_tokens_map.get(section.text);
    if (added) {
      out.push(addedPiece(added, section.text, section.from, section.from + section.text.length));
      return;
    }
    let a = preNormalizeAligned(t, fromSource(text, section.from, section.from + section.text.length));
    a = normalizeAligned(t.normalizer, a);
    if (a.text.length > 0) encodeNormalized(t, scheme, a, index, out);
  });
  return out;
}
