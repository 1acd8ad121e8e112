import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import type { DecodedRange, TraceStore } from '../decode/traceStore';
import type { Occlusion } from '../../core/interventions/occlude';
import { readSettings } from '../settings';
import { occlusionHover } from './hoverText';

/** Surprisal tint in five steps, from the theme's colours (contributed in package.json, per theme kind). */
const LEVELS = 5;

/**
 * Token boundaries and a surprisal tint over each decoded range, and the generated continuation as ghost text
 * after it. Follows the store (edits move or drop results) and the `decoderLens.decorations.enabled` setting.
 */
export class TraceDecorations extends Disposable {
  private readonly tints = Array.from({ length: LEVELS }, (_, i) =>
    this.register(
      vscode.window.createTextEditorDecorationType({
        backgroundColor: new vscode.ThemeColor(`decoderLens.surprisal${i}`),
        borderRadius: '2px',
      }),
    ),
  );
  // Two alternating types: VS Code merges touching ranges of one type into one element (one border per line).
  private readonly boundaries = [0, 1].map(() =>
    this.register(
      vscode.window.createTextEditorDecorationType({
        borderColor: new vscode.ThemeColor('decoderLens.tokenBoundary'),
        borderStyle: 'solid',
        borderWidth: '0 1px 0 0',
      }),
    ),
  );
  private readonly ghost = this.register(
    vscode.window.createTextEditorDecorationType({
      after: { color: new vscode.ThemeColor('editorGhostText.foreground'), fontStyle: 'italic', margin: '0 0 0 0.5em' },
    }),
  );
  /** "Why This Token?": an underline whose thickness grows with |Δp| (1: ≥ 1 point, 2: ≥ 5, 3: ≥ 20). */
  private readonly occlusionTints = [1, 2, 3].map((width) =>
    this.register(
      vscode.window.createTextEditorDecorationType({
        borderColor: new vscode.ThemeColor('decoderLens.occlusion'),
        borderStyle: 'solid',
        borderWidth: `0 0 ${width}px 0`,
      }),
    ),
  );
  /** The last occlusion shown, on the decode result it explains (dropped with that result). */
  occlusion?: { resultId: number; occlusion: Occlusion };
  private enabled: boolean;

  constructor(private readonly store: TraceStore) {
    super();
    this.enabled = readSettings().decorationsEnabled;
    this.register(store.onDidChange(() => this.refresh()));
    this.register(vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()));
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Shows an occlusion over the decode result it was run on. */
  setOcclusion(resultId: number, occlusion: Occlusion): void {
    this.occlusion = { resultId, occlusion };
    this.refresh();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.refresh();
  }

  /** The ranges currently decorated in an editor, per decoration kind (for tests and the status text). */
  applied = new Map<string, { tinted: number; boundaries: number; ghost: string[]; occluded: string[] }>();

  refresh(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const results = this.enabled ? this.store.forDocument(editor.document.uri.toString()) : [];
      const byLevel: vscode.DecorationOptions[][] = Array.from({ length: LEVELS }, () => []);
      const boundaries: vscode.Range[][] = [[], []];
      const ghosts: vscode.DecorationOptions[] = [];
      const occluded: vscode.DecorationOptions[][] = [[], [], []];
      for (const result of results) {
        this.collect(editor.document, result, byLevel, boundaries, ghosts);
        if (this.occlusion?.resultId === result.id) this.collectOcclusion(editor.document, result, this.occlusion.occlusion, occluded);
      }
      this.occlusionTints.forEach((type, i) => editor.setDecorations(type, occluded[i]));
      this.tints.forEach((type, level) => editor.setDecorations(type, byLevel[level]));
      this.boundaries.forEach((type, i) => editor.setDecorations(type, boundaries[i]));
      editor.setDecorations(this.ghost, ghosts);
      this.applied.set(editor.document.uri.toString(), {
        tinted: byLevel.reduce((n, l) => n + l.length, 0),
        boundaries: boundaries[0].length + boundaries[1].length,
        ghost: ghosts.map((g) => g.renderOptions?.after?.contentText ?? ''),
        occluded: occluded.flat().map((o) => String(o.hoverMessage)),
      });
    }
  }

  private collect(
    document: vscode.TextDocument,
    result: DecodedRange,
    byLevel: vscode.DecorationOptions[][],
    boundaries: vscode.Range[][],
    ghosts: vscode.DecorationOptions[],
  ): void {
    const { trace, offsets } = result;
    trace.input.tokens.forEach((token, i) => {
      if (token.start === null || token.end === null || token.end <= token.start) return;
      const range = new vscode.Range(document.positionAt(offsets.start + token.start), document.positionAt(offsets.start + token.end));
      boundaries[i % 2].push(range);
      const p = trace.inputProbs[i];
      if (Number.isFinite(p)) byLevel[surprisalLevel(p)].push({ range });
    });
    const text = trace.generatedText;
    if (text) {
      const end = document.positionAt(offsets.end);
      ghosts.push({
        range: new vscode.Range(end, end),
        renderOptions: { after: { contentText: `⟶ ${text.replace(/\s+/g, ' ').trim()}` } },
      });
    }
  }

  private collectOcclusion(
    document: vscode.TextDocument,
    result: DecodedRange,
    occlusion: Occlusion,
    out: vscode.DecorationOptions[][],
  ): void {
    const { trace, offsets } = result;
    for (const o of occlusion.tokens) {
      const token = trace.input.tokens[o.index];
      const level = occlusionLevel(o.delta);
      if (!token || token.id !== o.id || token.start === null || token.end === null || token.end <= token.start || level === null) continue;
      const range = new vscode.Range(document.positionAt(offsets.start + token.start), document.positionAt(offsets.start + token.end));
      out[level].push({
        range,
        hoverMessage: occlusionHover(occlusion.chosen.text, occlusion.step, occlusion.prob, o.delta, vscode.l10n.t),
      });
    }
  }
}

/** 0: |Δp| ≥ 0.01, 1: ≥ 0.05, 2: ≥ 0.2; null below (too small to draw). */
export function occlusionLevel(delta: number): number | null {
  const d = Math.abs(delta);
  if (d >= 0.2) return 2;
  if (d >= 0.05) return 1;
  if (d >= 0.01) return 0;
  return null;
}

/** 0 = expected (p ≥ 0.5) … 4 = very surprising (p < 0.01). */
export function surprisalLevel(p: number): number {
  if (p >= 0.5) return 0;
  if (p >= 0.2) return 1;
  if (p >= 0.05) return 2;
  if (p >= 0.01) return 3;
  return 4;
}
