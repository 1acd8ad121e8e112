/**
 * Every command id in one typed table (as vscode-js-debug's contributionUtils does), so registration,
 * package.json and tests cannot drift: a unit test checks this table against the manifest.
 */
export const Commands = {
  decodeSelection: 'decoderLens.decodeSelection',
  scoreSelection: 'decoderLens.scoreSelection',
  selectModel: 'decoderLens.selectModel',
  showAttentionPanel: 'decoderLens.showAttentionPanel',
  openMaskInspector: 'decoderLens.openMaskInspector',
  saveTrace: 'decoderLens.saveTrace',
  openTrace: 'decoderLens.openTrace',
  toggleDecorations: 'decoderLens.toggleDecorations',
  inspectModel: 'decoderLens.inspectModel',
  compareWith: 'decoderLens.compareWith',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Registered but hidden from the palette: used by hover links and views. */
export const InternalCommands = {
  focusPanel: 'decoderLens.focusPanel',
} as const;
