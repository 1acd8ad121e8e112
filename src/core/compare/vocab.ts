// Whether two models share a vocabulary, read from their tokenizer.json files: token ids only mean the same
// thing when the token → id maps agree, so the comparison says so plainly when they do not.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecoderLensError } from '../errors';
import type { VocabComparison } from './report';

export type { VocabComparison };

/** token → id from a tokenizer.json: the model's vocab (BPE/WordPiece/WordLevel map, Unigram list) and added tokens. */
export function readVocab(dir: string): Map<string, number> {
  const file = join(dir, 'tokenizer.json');
  if (!existsSync(file))
    throw new DecoderLensError('not-found', `No tokenizer.json in ${dir}: cannot tell whether the vocabularies match.`, file);
  let json: { model?: { vocab?: Record<string, number> | [string, number][] }; added_tokens?: { id: number; content: string }[] };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DecoderLensError('bad-input', `${file} is not valid JSON: ${(error as Error).message}`, file);
  }
  const vocab = new Map<string, number>();
  const v = json.model?.vocab;
  if (Array.isArray(v)) v.forEach(([piece], id) => vocab.set(piece, id));
  else if (v) for (const [token, id] of Object.entries(v)) vocab.set(token, id);
  for (const t of json.added_tokens ?? []) vocab.set(t.content, t.id);
  return vocab;
}

export function compareVocabs(a: Map<string, number>, b: Map<string, number>): VocabComparison {
  let moved = 0;
  let onlyA = 0;
  const examples: string[] = [];
  const show = (s: string) => JSON.stringify(s);
  for (const [token, id] of a) {
    const other = b.get(token);
    if (other === undefined) {
      onlyA++;
      if (examples.length < 5) examples.push(`${show(token)} (id ${id}) only in A`);
    } else if (other !== id) {
      moved++;
      if (examples.length < 5) examples.push(`${show(token)} is id ${id} in A, ${other} in B`);
    }
  }
  let onlyB = 0;
  for (const [token, id] of b) {
    if (a.has(token)) continue;
    onlyB++;
    if (examples.length < 5) examples.push(`${show(token)} (id ${id}) only in B`);
  }
  const same = moved === 0 && onlyA === 0 && onlyB === 0;
  const note = same
    ? `Same vocabulary (${a.size} tokens): token ids compare directly.`
    : `The vocabularies differ (A ${a.size} tokens, B ${b.size}; ${moved} under other ids, ${onlyA} only in A, ${onlyB} only in B): tokens are compared by their text, and ids do not carry across.`;
  return { same, sizeA: a.size, sizeB: b.size, moved, onlyA, onlyB, examples, note };
}

export function compareTokenizerFiles(dirA: string, dirB: string): VocabComparison {
  return compareVocabs(readVocab(dirA), readVocab(dirB));
}
