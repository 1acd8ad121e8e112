import { byteLevelBytes, utf8Bytes } from './bytes';
import type { HfModel } from './lib';

/** How a tokenizer family spells text in its vocabulary, read from tokenizer.json. */
export interface PieceScheme {
  /** GPT-2 style: every piece is bytes written with the ByteLevel table ('Ġ' = space). */
  byteLevel: boolean;
  /** Metaspace / SentencePiece: this character ('▁') stands for a space. */
  spaceChar: string | null;
  /** '<0xNN>' pieces are single bytes. */
  byteFallback: boolean;
  /** WordPiece continuation prefix ('##'), stripped from non-initial pieces of a word. */
  continuingPrefix: string | null;
  endOfWordSuffix: string | null;
  continuingSuffix: string | null;
  /** The unknown token whose text is not known (BPE, WordPiece); Unigram keeps the unknown characters. */
  unkPiece: string | null;
}

type Json = Record<string, unknown> | null | undefined;

/** Finds a component of `type` in a config tree (Sequence members included). */
function findComponent(cfg: Json, type: string): Record<string, unknown> | null {
  if (!cfg || typeof cfg !== 'object') return null;
  if (cfg.type === type) return cfg;
  for (const key of ['pretokenizers', 'normalizers', 'decoders']) {
    const list = cfg[key];
    if (Array.isArray(list)) {
      for (const child of list) {
        const hit = findComponent(child as Json, type);
        if (hit) return hit;
      }
    }
  }
  return null;
}

/** The model type the library would pick (it infers one when 'type' is missing). */
function modelType(m: Record<string, unknown>): string {
  if (typeof m.type === 'string') return m.type;
  if (Array.isArray(m.vocab)) return 'Unigram';
  if ('continuing_subword_prefix' in m && 'unk_token' in m) return 'merges' in m ? 'BPE' : 'WordPiece';
  return 'Legacy';
}

export function schemeOf(json: Record<string, unknown>, model: HfModel): PieceScheme {
  const mcfg = (json.model ?? {}) as Record<string, unknown>;
  const type = modelType(mcfg);
  const byteLevel = !!findComponent(json.pre_tokenizer as Json, 'ByteLevel');
  let spaceChar: string | null = null;
  if (!byteLevel) {
    const meta = findComponent(json.pre_tokenizer as Json, 'Metaspace');
    const replace = findComponent(json.normalizer as Json, 'Replace');
    const pattern = replace?.pattern as { String?: string } | undefined;
    if (meta) spaceChar = typeof meta.replacement === 'string' ? meta.replacement : '\u2581';
    else if (pattern?.String === ' ' && typeof replace?.content === 'string' && [...replace.content].length === 1) {
      spaceChar = replace.content;
    }
  }
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  return {
    byteLevel,
    spaceChar,
    byteFallback: type === 'BPE' && mcfg.byte_fallback === true,
    continuingPrefix: type === 'WordPiece' ? (str(mcfg.continuing_subword_prefix) ?? '##') : null,
    endOfWordSuffix: type === 'BPE' ? str(mcfg.end_of_word_suffix) : null,
    continuingSuffix: type === 'BPE' ? str(mcfg.continuing_subword_suffix) : null,
    unkPiece: type === 'BPE' || type === 'WordPiece' ? (model.unk_token ?? null) : null,
  };
}

/** Bytes of a pre-token as the normalised text would spell them (see byteView in align.ts). */
export function pretokenBytes(pretoken: string, s: PieceScheme): number[] {
  return s.byteLevel ? byteLevelBytes(pretoken) : utf8Bytes(pretoken, s.spaceChar);
}

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/**
 * The bytes of source text a piece stands for, or null when unknown (an unk token).
 * `first`/`last`: the piece's place in its word, which decides whether '##' or '</w>' are markup.
 */
export function pieceBytes(piece: string, s: PieceScheme, first: boolean, last: boolean): number[] | null {
  if (s.byteLevel) return byteLevelBytes(piece);
  if (s.unkPiece !== null && piece === s.unkPiece) return null;
  let t = piece;
  if (s.continuingPrefix && !first && t.startsWith(s.continuingPrefix)) t = t.slice(s.continuingPrefix.length);
  if (s.endOfWordSuffix && last && t.endsWith(s.endOfWordSuffix)) t = t.slice(0, -s.endOfWordSuffix.length);
  if (s.continuingSuffix && !last && t.endsWith(s.continuingSuffix)) t = t.slice(0, -s.continuingSuffix.length);
  if (s.byteFallback) {
    const m = BYTE_PIECE.exec(t);
    if (m) return [parseInt(m[1], 16)];
  }
  return utf8Bytes(t, s.spaceChar);
}
