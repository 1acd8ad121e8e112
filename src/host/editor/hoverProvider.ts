import * as vscode from 'vscode';
import { commandUri, InternalCommands } from '../commands';
import type { TraceStore } from '../decode/traceStore';
import { readSettings } from '../settings';
import { hoverMarkdown, tokenAt } from './hoverText';

/** Hovering a decoded token explains it: probability, what the model expected, what it attends to. */
export class AttentionHoverProvider implements vscode.HoverProvider {
  constructor(private readonly store: TraceStore) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const offset = document.offsetAt(position);
    const result = this.store.at(document.uri.toString(), offset);
    if (!result) return undefined;
    const index = tokenAt(result.trace, offset - result.offsets.start);
    if (index === undefined) return undefined;
    const token = result.trace.input.tokens[index];
    const markdown = hoverMarkdown(
      result.trace,
      index,
      readSettings(document.uri).hover,
      { openPanel: (query, layer) => commandUri(InternalCommands.focusPanel, { resultId: result.id, query, layer }) },
      vscode.l10n.t,
    );
    const content = new vscode.MarkdownString(markdown);
    content.isTrusted = { enabledCommands: [InternalCommands.focusPanel] };
    content.supportHtml = false;
    const start = document.positionAt(result.offsets.start + token.start!);
    const end = document.positionAt(result.offsets.start + token.end!);
    return new vscode.Hover(content, new vscode.Range(start, end));
  }
}
