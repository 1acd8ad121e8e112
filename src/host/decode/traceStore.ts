import * as vscode from 'vscode';
import type { Trace } from '../../core/trace/types';
import { Disposable } from '../dispose';
import { moveThroughEdits, type OffsetRange } from './rangeTracking';

/** A decode of a piece of a document, kept while that text is unchanged. */
export interface DecodedRange {
  id: number;
  uri: string;
  /** Where the decoded text is now, as document offsets (moved by edits before it). */
  offsets: OffsetRange;
  trace: Trace;
}

/**
 * The decode results of every open document. Running again over an overlapping range replaces the old result;
 * an edit inside a result drops it (a stale result is never shown); an edit before it moves it.
 */
export class TraceStore extends Disposable {
  private nextId = 1;
  private readonly results = new Map<string, DecodedRange[]>();
  private readonly changed = this.register(new vscode.EventEmitter<string>());
  /** Fires with the document URI whose results changed. */
  readonly onDidChange = this.changed.event;
  private latest: DecodedRange | undefined;

  constructor() {
    super();
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => this.clear(d.uri.toString())));
  }

  add(document: vscode.TextDocument, range: vscode.Range, trace: Trace): DecodedRange {
    const uri = document.uri.toString();
    const offsets = { start: document.offsetAt(range.start), end: document.offsetAt(range.end) };
    const kept = (this.results.get(uri) ?? []).filter((r) => r.offsets.end <= offsets.start || r.offsets.start >= offsets.end);
    const result = { id: this.nextId++, uri, offsets, trace };
    this.results.set(uri, [...kept, result]);
    this.latest = result;
    this.changed.fire(uri);
    return result;
  }

  forDocument(uri: string): readonly DecodedRange[] {
    return this.results.get(uri) ?? [];
  }

  at(uri: string, offset: number): DecodedRange | undefined {
    return this.forDocument(uri).find((r) => offset >= r.offsets.start && offset < r.offsets.end);
  }

  byId(id: number): DecodedRange | undefined {
    for (const list of this.results.values()) for (const r of list) if (r.id === id) return r;
    return undefined;
  }

  /** The most recent result still valid. */
  get current(): DecodedRange | undefined {
    return this.latest && this.byId(this.latest.id);
  }

  clear(uri: string): void {
    if (this.results.delete(uri)) this.changed.fire(uri);
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const uri = e.document.uri.toString();
    const list = this.results.get(uri);
    if (!list || e.contentChanges.length === 0) return;
    const edits = e.contentChanges.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, insertedLength: c.text.length }));
    const moved = list.flatMap((r) => {
      const offsets = moveThroughEdits(r.offsets, edits);
      return offsets ? [{ ...r, offsets }] : [];
    });
    this.results.set(uri, moved);
    this.changed.fire(uri);
  }
}
