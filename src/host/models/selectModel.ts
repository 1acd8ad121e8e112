import * as path from 'node:path';
import * as vscode from 'vscode';
import { findModelLayout } from '../../core/model/layout';
import type { ModelVariant } from '../../core/model/variants';
import type { ModelRegistry } from './modelRegistry';

type Item = vscode.QuickPickItem & { modelPath?: string; browse?: boolean };
type VariantItem = vscode.QuickPickItem & { variant: string };

/** Select Model's arguments (a test, a link): the model and its variant; what is left out is asked for. */
export interface SelectModelArgs {
  modelPath?: string;
  variant?: string;
}

/**
 * "Decoder Lens: Select Model": the models found in the workspace, the built-in demo, or browse. Decode Selection
 * opens the same quick pick (with `asking` set) when the workspace holds several models and none is chosen.
 * The choice is remembered for the workspace.
 */
export async function selectModel(registry: ModelRegistry, asking = false, args: SelectModelArgs = {}): Promise<string | undefined> {
  const chosen = args.modelPath ?? (await pickModel(registry, asking));
  if (!chosen) return undefined;
  const active = await registry.active();
  const variant = args.variant ?? (await pickVariant(chosen, active.path === chosen ? active.variant : ''));
  if (variant === undefined) return undefined;
  await registry.choose(chosen, variant);
  return chosen;
}

async function pickModel(registry: ModelRegistry, asking: boolean): Promise<string | undefined> {
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
  return chosen;
}

/**
 * The second step when the folder holds several variants (model.onnx, model_q4.onnx, …): which files decode.
 * Returns '' when there is nothing to choose (the default files), undefined when the person cancels.
 */
async function pickVariant(modelPath: string, current: string): Promise<string | undefined> {
  const variants = variantsOf(modelPath);
  if (variants.length < 2) return '';
  const items: VariantItem[] = variants.map((v) => ({
    label: v.name,
    description: [v.dtype ?? '', formatSize(v.bytes)].filter(Boolean).join(' · '),
    detail: v.files.map((f) => path.basename(f.path)).join(' + '),
    variant: v.name,
    picked: v.name === current,
  }));
  // The current variant first, so Enter keeps it.
  items.sort((a, b) => Number(b.picked) - Number(a.picked));
  const pick = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Decoder Lens: which files of {0}?', path.basename(modelPath)),
    placeHolder: vscode.l10n.t('This folder holds {0} variants of the model: pick the one to decode with', variants.length),
  });
  return pick?.variant;
}

/** The variants of a model folder; none when it cannot be read (decoding it will say why). */
function variantsOf(modelPath: string): ModelVariant[] {
  try {
    return findModelLayout(modelPath).variants;
  } catch {
    return [];
  }
}

function formatSize(bytes: number): string {
  const mb = bytes / 2 ** 20;
  return mb >= 1 ? `${mb < 10 ? mb.toFixed(1) : mb.toFixed(0)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
