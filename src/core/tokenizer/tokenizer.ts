import { DecoderLensError } from '../errors';
import { decodeWhole } from './bytes';
import { createHfTokenizer, type HfInternals, type HfTokenizer, internalsOf } from './lib';
import type { Piece } from './align';
import { encodePieces } from './pipeline';
import { type PieceScheme, pieceBytes, schemeOf } from './pieces';
import { libraryConfig, specialIds } from './specials';
import type { DecodeOptions, EncodedToken, EncodeOptions } from './types';

const SENTINEL = '\u0000decoder-lens\u0000';

/** What the post-processor puts around a sequence: its special pieces before and after. */
interface Frame {
  before: string[];
  after: string[];
}

function frameOf(t: HfInternals, add: boolean): Frame | null {
  if (!t.post_processor) return { before: [], after: [] };
  try {
    const out = t.post_processor([SENTINEL], null, add).tokens;
    const i = out.indexOf(SENTINEL);
    if (i < 0 || out.lastIndexOf(SENTINEL) !== i) return null;
    return { before: out.slice(0, i), after: out.slice(i + 1) };
  } catch {
    return null;
  }
}

const specialPiece = (piece: string): Piece => ({ piece, text: piece, start: null, end: null, special: true, partial: false });

/**
 * A Hugging Face tokenizer.json, through @huggingface/tokenizers for the ids, with the character offsets
 * (UTF-16, as VS Code counts) that library does not give. Never throws on input text.
 */
export class TextTokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  readonly unkId: number | null;
  /** tokenizer_config.json's add_bos_token / add_eos_token; when absent, whether encode() adds the token. */
  readonly addBosToken: boolean;
  readonly addEosToken: boolean;
  private readonly t: HfInternals;
  private readonly scheme: PieceScheme;
  private readonly frames: { add: Frame | null; plain: Frame | null };
  private readonly specials: Set<number>;
  /** The library's default (true) rewrites ' .' to '.'; we show what the model made unless the config asks. */
  private readonly cleanUp: boolean;
  private readonly textCache = new Map<number, string>();

  private constructor(
    private readonly hf: HfTokenizer,
    json: Record<string, unknown>,
    config: Record<string, unknown>,
    readonly source?: string,
  ) {
    this.t = internalsOf(hf);
    this.scheme = schemeOf(json, this.t.model);
    this.vocabSize = this.t.model.vocab.length;
    this.frames = { add: frameOf(this.t, true), plain: frameOf(this.t, false) };
    this.specials = new Set(this.t.added_tokens.filter((a) => a.special).map((a) => a.id));
    this.cleanUp = config.clean_up_tokenization_spaces === true;
    const ids = specialIds(config, (p) => this.pieceToId(p), this.t.model.unk_token);
    this.bosId = ids.bosId;
    this.eosId = ids.eosId;
    this.padId = ids.padId;
    this.unkId = ids.unkId;
    const adds = (id: number | null, where: string[] | undefined) => id !== null && !!where?.includes(this.t.model.vocab[id]);
    this.addBosToken = typeof config.add_bos_token === 'boolean' ? config.add_bos_token : adds(this.bosId, this.frames.add?.before);
    this.addEosToken = typeof config.add_eos_token === 'boolean' ? config.add_eos_token : adds(this.eosId, this.frames.add?.after);
  }

  /** From parsed tokenizer.json (and tokenizer_config.json); `source` names the file in error messages. */
  static fromJson(tokenizerJson: object, config?: object, source?: string): TextTokenizer {
    const name = source ?? 'tokenizer.json';
    if (!tokenizerJson || typeof tokenizerJson !== 'object' || Array.isArray(tokenizerJson)) {
      throw new DecoderLensError('bad-model', `${name} is not a JSON object, so it is not a Hugging Face tokenizer.json.`, source);
    }
    const json = tokenizerJson as Record<string, unknown>;
    if (!json.model || typeof json.model !== 'object') {
      throw new DecoderLensError(
        'bad-model',
        `${name} has no "model" section, so it is not a Hugging Face fast-tokenizer file. Save one with tokenizer.save_pretrained(folder).`,
        source,
      );
    }
    const cfg = config && typeof config === 'object' && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
    let hf: HfTokenizer;
    try {
      hf = createHfTokenizer(json, libraryConfig(cfg));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const unsupported = /^Unknown /.test(msg);
      throw new DecoderLensError(
        unsupported ? 'unsupported' : 'bad-model',
        unsupported
          ? `${name} uses a component the tokenizer library (@huggingface/tokenizers 0.2.0) does not support: ${msg}.`
          : `${name} could not be loaded as a tokenizer: ${msg}. It may be truncated or from an incompatible tokenizers version.`,
        source,
      );
    }
    return new TextTokenizer(hf, json, cfg, source);
  }

  /** Tokens of `text` with their ids and offsets; the ids are exactly the library's. */
  encode(text: string, options: EncodeOptions = {}): EncodedToken[] {
    const add = options.addSpecialTokens ?? true;
    const input = typeof text === 'string' ? text : String(text ?? '');
    let pieces: Piece[];
    try {
      pieces = this.frame(encodePieces(this.t, this.scheme, input), add);
    } catch {
      pieces = this.withoutOffsets(input, add); // a library corner we do not mirror: ids still right, no offsets
    }
    const out: EncodedToken[] = [];
    for (const p of pieces) {
      const id = this.t.added_tokens_map.get(p.piece)?.id ?? this.t.model.tokens_to_ids.get(p.piece) ?? this.t.model.unk_token_id;
      // The library would give an undefined id (no unk token); no model could take it.
      if (id !== undefined)
        out.push({ id, piece: p.piece, text: p.text, start: p.start, end: p.end, special: p.special, partial: p.partial });
    }
    return out;
  }

  /** Adds the post-processor's special tokens around the pieces, as the library does. */
  private frame(pieces: Piece[], add: boolean): Piece[] {
    const pp = this.t.post_processor;
    if (!pp) return pieces;
    const frame = add ? this.frames.add : this.frames.plain;
    if (frame && frame.before.length + frame.after.length === 0) return pieces;
    const strs = pieces.map((p) => p.piece);
    const out = pp(strs, null, add).tokens;
    if (frame && out.length === frame.before.length + pieces.length + frame.after.length) {
      return [...frame.before.map(specialPiece), ...pieces, ...frame.after.map(specialPiece)];
    }
    // Unknown shape: walk both, anything not ours is the post-processor's.
    const result: Piece[] = [];
    let k = 0;
    for (const tok of out) result.push(k < pieces.length && tok === pieces[k].piece ? pieces[k++] : specialPiece(tok));
    return result;
  }

  private withoutOffsets(text: string, add: boolean): Piece[] {
    try {
      return this.hf.encode(text, { add_special_tokens: add }).tokens.map((piece: string) => {
        const id = this.pieceToId(piece);
        const special = id !== null && this.specials.has(id);
        return { piece, text: id === null ? piece : this.tokenText(id), start: null, end: null, special, partial: false };
      });
    } catch {
      return [];
    }
  }

  /** Text of the ids; special tokens kept unless skipSpecialTokens. Unknown ids are left out. */
  decode(ids: number[], options: DecodeOptions = {}): string {
    const valid = (Array.isArray(ids) ? ids : []).filter((id) => this.idToPiece(id) !== null);
    if (valid.length === 0) return '';
    const skip = !!options.skipSpecialTokens;
    try {
      return this.hf.decode(valid, { skip_special_tokens: skip, clean_up_tokenization_spaces: this.cleanUp });
    } catch {
      return valid
        .filter((id) => !(skip && this.specials.has(id)))
        .map((id) => this.tokenText(id))
        .join('');
    }
  }

  /**
   * One token's own text as a person reads it ('Ġthe' → ' the', '##ing' → 'ing', '<0x41>' → 'A'): the characters
   * it holds whole, so '' for a byte fragment ('<0xE4>') and ' ' for a space plus the start of an emoji.
   */
  tokenText(id: number): string {
    const cached = this.textCache.get(id);
    if (cached !== undefined) return cached;
    const piece = this.idToPiece(id);
    let text = '';
    if (piece !== null) {
      const added = this.t.added_tokens_map.get(piece);
      const s = this.scheme;
      const bytes = added ? null : pieceBytes(piece, s, false, !!s.endOfWordSuffix && piece.endsWith(s.endOfWordSuffix));
      text = bytes === null ? piece : decodeWhole(bytes);
    }
    this.textCache.set(id, text);
    return text;
  }

  /** The vocabulary string of an id, or null when there is no such id. */
  idToPiece(id: number): string | null {
    if (!Number.isInteger(id) || id < 0) return null;
    return this.t.model.vocab[id] ?? null;
  }

  pieceToId(piece: string): number | null {
    return this.t.added_tokens_map.get(piece)?.id ?? this.t.model.tokens_to_ids.get(piece) ?? null;
  }

  /** True for ids declared special in tokenizer.json's added_tokens. */
  isSpecial(id: number): boolean {
    return this.specials.has(id);
  }
}
