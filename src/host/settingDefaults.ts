/**
 * Every `decoderLens.*` setting: its key and its default, the same as package.json's contributes.configuration
 * (a unit test checks both ways). vscode-free so that test can load it; settings.ts reads every value through it.
 */
import type { Strategy } from '../core/decode/sampling';

export const SECTION = 'decoderLens';

export const SETTING_DEFAULTS = {
  modelPath: '',
  modelVariant: '',
  maxNewTokens: 20,
  'sampling.strategy': 'greedy' as Strategy,
  'sampling.temperature': 1,
  'sampling.topK': 50,
  'sampling.topP': 0.9,
  'sampling.seed': 0,
  'hover.layer': -1,
  'hover.head': 0,
  'hover.aggregate': 'mean' as 'mean' | 'max' | 'head',
  'capture.maxMegabytes': 512,
  executionProviders: ['cpu'] as readonly string[],
  'decorations.enabled': true,
};

export type SettingKey = keyof typeof SETTING_DEFAULTS;
export type SettingValue<K extends SettingKey> = (typeof SETTING_DEFAULTS)[K];

/** The full id, as package.json and affectsConfiguration name it. */
export const settingId = (key: SettingKey): string => `${SECTION}.${key}`;
