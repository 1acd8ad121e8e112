/**
 * Reading values back from JSON someone else kept (a webview's saved state, a report's embedded page) without
 * trusting them: each reader returns the value if it has the expected type, else undefined, and the callers build
 * their objects from that (a damaged state draws nothing rather than throwing in the view).
 */
export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
/** A finite number, or null ("not measured"); undefined when it is neither. */
export const finiteOrNull = (v: unknown): number | null | undefined =>
  v === null ? null : typeof v === 'number' && Number.isFinite(v) ? v : undefined;
/** Every item read with `item`, or undefined if any one is not what it should be. */
export const list = <T>(v: unknown, item: (x: unknown) => T | undefined): T[] | undefined => {
  if (!Array.isArray(v)) return undefined;
  const out: T[] = [];
  for (const x of v) {
    const y = item(x);
    if (y === undefined) return undefined;
    out.push(y);
  }
  return out;
};
