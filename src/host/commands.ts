/**
 * Every command id in one typed table (as vscode-js-debug's contributionUtils does), so registration,
 * package.json and tests cannot drift: a unit test checks this table against the manifest.
 */
export const Commands = {
  inspectModel: 'decoderLens.inspectModel',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Commands that are registered but kept out of the palette (used by links and views). */
export const InternalCommands = {} as const;
