/** Token text and probabilities as every view writes them: plain text with invisible characters made visible. */
import type { ViewToken } from '../../src/protocol/trace';

const INVISIBLE: Record<string, string> = { ' ': '·', '\n': '↵', '\r': '␍', '\t': '⇥', '\u00a0': '⍽' };

/** A token's text with whitespace, control, zero-width and bidi-override characters made visible. Still plain text. */
export function displayText(token: Pick<ViewToken, 'text' | 'partial'>): string {
  if (token.partial || token.text === '') return '◌';
  let out = '';
  for (const ch of token.text) {
    const code = ch.codePointAt(0)!;
    if (INVISIBLE[ch]) out += INVISIBLE[ch];
    else if (
      code < 0x20 ||
      code === 0x7f ||
      (code >= 0x200b && code <= 0x200f) ||
      code === 0xfeff ||
      (code >= 0x2028 && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    )
      out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return out;
}

export function formatProb(p: number): string {
  if (!Number.isFinite(p)) return '–';
  if (p >= 0.001) return `${(p * 100).toFixed(p >= 0.1 ? 1 : 2)}%`;
  return p.toExponential(1);
}
