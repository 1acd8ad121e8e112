/**
 * The webviews' labels in the display language: each English template of the protocol's table through
 * vscode.l10n.t (the bundle's key is the English text; the {n} placeholders stay for the view to fill).
 */
import * as vscode from 'vscode';
import { VIEW_STRINGS, type StringKey, type ViewStrings } from '../protocol/strings';

export function webviewStrings(): ViewStrings {
  const out = {} as Record<StringKey, string>;
  for (const key of Object.keys(VIEW_STRINGS) as StringKey[]) out[key] = vscode.l10n.t(VIEW_STRINGS[key]);
  return out;
}
