import * as vscode from 'vscode';
import type { Strategy } from '../core/decode/sampling';

/** Every `decoderLens.*` setting, read fresh each time so changes apply without a reload. */
export interface Settings {
  modelPath: string;
  maxNewTokens: number;
  sampling: { strategy: Strategy; temperature: number; topK: number; topP: number; seed: number };
  hover: { layer: number; head: number; aggregate: 'mean' | 'max' | 'head' };
  captureMaxMegabytes: number;
  executionProviders: string[];
  decorationsEnabled: boolean;
}

export const SECTION = 'decoderLens';

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    modelPath: c.get<string>('modelPath', ''),
    maxNewTokens: c.get<number>('maxNewTokens', 20),
    sampling: {
      strategy: c.get<Strategy>('sampling.strategy', 'greedy'),
      temperature: c.get<number>('sampling.temperature', 1),
      topK: c.get<number>('sampling.topK', 50),
      topP: c.get<number>('sampling.topP', 0.9),
      seed: c.get<number>('sampling.seed', 0),
    },
    hover: {
      layer: c.get<number>('hover.layer', -1),
      head: c.get<number>('hover.head', 0),
      aggregate: c.get<'mean' | 'max' | 'head'>('hover.aggregate', 'mean'),
    },
    captureMaxMegabytes: c.get<number>('capture.maxMegabytes', 512),
    executionProviders: c.get<string[]>('executionProviders', ['cpu']),
    decorationsEnabled: c.get<boolean>('decorations.enabled', true),
  };
}

export function onSettingsChanged(listener: (e: vscode.ConfigurationChangeEvent) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) listener(e);
  });
}
