import * as vscode from 'vscode';
import type { Strategy } from '../core/decode/sampling';
import { SECTION, SETTING_DEFAULTS, type SettingKey, type SettingValue } from './settingDefaults';

export { SECTION, settingId, type SettingKey } from './settingDefaults';

/** Every `decoderLens.*` setting, read fresh each time so changes apply without a reload. */
export interface Settings {
  modelPath: string;
  /** A transformers.js dtype suffix or a file name; '' for the folder's default files. */
  modelVariant: string;
  maxNewTokens: number;
  sampling: { strategy: Strategy; temperature: number; topK: number; topP: number; seed: number };
  hover: { layer: number; head: number; aggregate: 'mean' | 'max' | 'head' };
  captureMaxMegabytes: number;
  executionProviders: string[];
  decorationsEnabled: boolean;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const get = <K extends SettingKey>(key: K): SettingValue<K> => c.get<SettingValue<K>>(key, SETTING_DEFAULTS[key]);
  return {
    modelPath: get('modelPath'),
    modelVariant: get('modelVariant'),
    maxNewTokens: get('maxNewTokens'),
    sampling: {
      strategy: get('sampling.strategy'),
      temperature: get('sampling.temperature'),
      topK: get('sampling.topK'),
      topP: get('sampling.topP'),
      seed: get('sampling.seed'),
    },
    hover: { layer: get('hover.layer'), head: get('hover.head'), aggregate: get('hover.aggregate') },
    captureMaxMegabytes: get('capture.maxMegabytes'),
    executionProviders: [...get('executionProviders')],
    decorationsEnabled: get('decorations.enabled'),
  };
}

/** Writes one setting (user settings unless a target is given). */
export function updateSetting<K extends SettingKey>(
  key: K,
  value: SettingValue<K>,
  target = vscode.ConfigurationTarget.Global,
): Thenable<void> {
  return vscode.workspace.getConfiguration(SECTION).update(key, value, target);
}

export function onSettingsChanged(listener: (e: vscode.ConfigurationChangeEvent) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener(e);
  });
}
