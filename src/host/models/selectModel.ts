import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelRegistry } from './modelRegistry';

type Item = vscode.QuickPickItem & { modelPath?: string; browse?: boolean };

/**
 * "Decoder Lens: Select Model": the models found in the workspace, the built-in demo, or browse. Decode Selection
 * opens the same quick pick (with `asking` set) when the workspace holds several models and none is chosen.
 * The choice is remembered for the workspace.
 */
export async function selectModel(registry: ModelRegistry, asking = false): Promise<string | undefined> {
  const [found, active] = await Promise.all([registry.discover(), registry.active()]);
  const items: Item[] = [
    ...found.map((m) => ({
      label: m.label,
      description: m.description,
      modelPath: m.path,
      picked: active.source !== 'unchosen' && m.path === active.path,
    })),
    {
      label: vscode.l10n.t('Built-in demo model'),
      description: vscode.l10n.t('tiny decoder trained to copy text'),
      modelPath: registry.demoModel,
      kind: vscode.QuickPickItemKind.Default,
    },
    { label: `$(folder-opened) ${vscode.l10n.t('Browse…')}`, description: vscode.l10n.t('a model folder or an .onnx file'), browse: true },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: asking ? vscode.l10n.t('Decoder Lens: which model should decode this?') : vscode.l10n.t('Decoder Lens: Select Model'),
    placeHolder: asking
      ? vscode.l10n.t('This workspace has {0} models: pick one (remembered for this workspace; change it with Select Model)', found.length)
      : found.length
        ? vscode.l10n.t('Active: {0}', path.basename(active.path))
        : vscode.l10n.t('No ONNX model found in this workspace'),
    ignoreFocusOut: asking,
  });
  if (!pick) return undefined;
  let chosen = pick.modelPath;
  if (pick.browse) {
    const uris = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      filters: { [vscode.l10n.t('ONNX model')]: ['onnx'] },
      title: vscode.l10n.t('Choose a model folder or an .onnx file'),
    });
    chosen = uris?.[0]?.fsPath;
  }
  if (chosen) await registry.choose(chosen);
  return chosen;
}
