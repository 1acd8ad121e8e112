/** The last segment of a file path (either separator), for short labels; `fallback` when there is none. */
export function lastSegment(path: string, fallback = path): string {
  return (
    path
      .split(/[\\/]+/)
      .filter(Boolean)
      .at(-1) ?? fallback
  );
}
