import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelRegistry } from './modelRegistry';

type Item = vscode.QuickPickItem & { modelPath?: string; browse?: boolean };

/** "Decoder Lens: Select Model": the models found in the workspace, the built-in demo, or browse. */
export async function selectModel(registry: ModelRegistry): Promise<string | undefined> {
  const [found, active] = await Promise.all([registry.discover(), registry.active()]);
  const items: Item[] = [
    ...found.map((m) => ({ label: m.label, description: m.description, modelPath: m.path, picked: m.path === active.path })),
    {
      label: 'Built-in demo model',
      description: 'tiny decoder trained to copy text',
      modelPath: registry.demoModel,
      kind: vscode.QuickPickItemKind.Default,
    },
    { label: '$(folder-opened) Browse…', description: 'a model folder or an .onnx file', browse: true },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Decoder Lens: Select Model',
    placeHolder: found.length ? `Active: ${path.basename(active.path)}` : 'No ONNX model found in this workspace',
  });
  if (!pick) return undefined;
  let chosen = pick.modelPath;
  if (pick.browse) {
    const uris = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      filters: { 'ONNX model': ['onnx'] },
      title: 'Choose a model folder or an .onnx file',
    });
    chosen = uris?.[0]?.fsPath;
  }
  if (chosen) await registry.choose(chosen);
  return chosen;
}
