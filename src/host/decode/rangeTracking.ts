/** How an edit moves a decoded range (offsets in the document): shifted when before it, dropped when inside. */
export interface OffsetRange {
  start: number;
  end: number;
}

export interface TextEdit {
  /** Offset and length of the replaced text, and the length of what replaced it. */
  offset: number;
  length: number;
  insertedLength: number;
}

/** The range after the edit, or undefined when the edit touched the decoded text (the result is stale). */
export function moveThroughEdit(range: OffsetRange, edit: TextEdit): OffsetRange | undefined {
  const editEnd = edit.offset + edit.length;
  if (editEnd <= range.start) {
    const delta = edit.insertedLength - edit.length;
    return { start: range.start + delta, end: range.end + delta };
  }
  if (edit.offset >= range.end) return range;
  return undefined;
}

/** Edits of one change event apply in order, each against the document as the previous one left it. */
export function moveThroughEdits(range: OffsetRange, edits: readonly TextEdit[]): OffsetRange | undefined {
  // VS Code reports a change event's edits against the document before the event, last-to-first by offset.
  const ordered = [...edits].sort((a, b) => b.offset - a.offset);
  let current: OffsetRange | undefined = range;
  for (const edit of ordered) {
    if (!current) return undefined;
    current = moveThroughEdit(current, edit);
  }
  return current;
}
