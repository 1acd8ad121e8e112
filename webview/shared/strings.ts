/**
 * The views' labels. The host puts its table (English, or the display language's translation) on the root
 * element as JSON (data-strings); a page without it (the standalone HTML report, a test page) uses the English
 * defaults from the protocol. Templates number their values {0}, {1}, … as vscode.l10n does.
 */
import { VIEW_STRINGS, type StringKey, type ViewStrings } from '../../src/protocol/strings';

let table: ViewStrings = VIEW_STRINGS;

/** Reads the host's table from the page (once, before the view draws). Unknown or missing keys keep English. */
export function loadStrings(root: { dataset: Record<string, string | undefined> } | null): void {
  const json = root?.dataset.strings;
  if (!json) return;
  try {
    const given = JSON.parse(json) as Record<string, unknown>;
    const merged: Record<string, string> = { ...VIEW_STRINGS };
    for (const key of Object.keys(VIEW_STRINGS)) if (typeof given[key] === 'string') merged[key] = given[key] as string;
    table = merged as ViewStrings;
  } catch {
    table = VIEW_STRINGS;
  }
}

/** A label, its {n} placeholders filled with the values (as text: the caller renders the result as text). */
export function t(key: StringKey, ...values: (string | number)[]): string {
  return table[key].replace(/\{(\d+)\}/g, (match, n: string) => (values[Number(n)] !== undefined ? String(values[Number(n)]) : match));
}

/** One of two labels by count (English needs "1 step" / "2 steps"; other languages may make both the same). */
export function tn(count: number, one: StringKey, other: StringKey, ...values: (string | number)[]): string {
  return t(count === 1 ? one : other, count, ...values);
}
