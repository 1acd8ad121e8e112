/**
 * Every command id, and the arguments each takes, in one typed table (as vscode-js-debug's contributionUtils
 * does): registration, callers and the hover's `command:` links all go through it, so an argument cannot drift
 * from what the command reads. A unit test checks the ids against package.json. vscode is a type here only
 * (the namespace is passed in), so tests can load this file outside VS Code.
 */
import type * as vscode from 'vscode';
import type { SelectModelArgs } from './models/selectModel';
import type { AblateRequest } from '../protocol/worker';

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
  bisectAgainst: 'decoderLens.bisectAgainst',
  ablateHeads: 'decoderLens.ablateHeads',
  whyThisToken: 'decoderLens.whyThisToken',
  rankHeads: 'decoderLens.rankHeads',
  patchActivations: 'decoderLens.patchActivations',
} as const;

/** Registered but hidden from the palette: used by hover links and views. */
export const InternalCommands = {
  focusPanel: 'decoderLens.focusPanel',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands] | (typeof InternalCommands)[keyof typeof InternalCommands];

/** Where a hover link asks the attention panel to look: a decode result (TraceStore id), a query position, a layer. */
export interface FocusPanelArgs {
  resultId: number;
  query?: number;
  layer?: number;
}

/** Heads to ablate (layers and heads counted from 0; kind defaults to self attention) and how. */
export interface AblateHeadsArgs {
  heads: AblateRequest['heads'];
  mode?: AblateRequest['mode'];
}

/**
 * The arguments of the commands that take any (a command not listed takes none). Palette calls pass nothing,
 * so arguments a person can leave out are optional.
 */
interface CommandArgTable {
  [InternalCommands.focusPanel]: [args: FocusPanelArgs];
  /** From the explorer's context menu: the folder, .onnx or .dltrace to compare with. */
  /** From the explorer's context menu: the folder, .onnx or .dltrace to compare with; `variant`: which files of it. */
  [Commands.compareWith]: [target?: vscode.Uri, variant?: string];
  /** A second model (folder or .onnx) and its variant to bisect against; the palette asks. */
  [Commands.bisectAgainst]: [target?: vscode.Uri, variant?: string];
  /** The model and its variant to choose without asking (a test, a link); what is left out is asked for. */
  [Commands.selectModel]: [args?: SelectModelArgs];
  /** A model folder or file (default: the active model). */
  [Commands.inspectModel]: [modelPath?: string];
  /** From the attention panel's head selection or a test; the palette asks. */
  [Commands.ablateHeads]: [args?: AblateHeadsArgs];
  /** The generation step to explain, from 0 (default: the attention panel's step, else the first). */
  [Commands.whyThisToken]: [step?: number];
  /** The generation step scored, from 0 (default: the attention panel's step, else the first). */
  [Commands.rankHeads]: [step?: number];
  /** The corrupted input (default: an input box prefilled with the current trace's input, the clean one). */
  [Commands.patchActivations]: [corruptText?: string];
}

export type CommandArgs<K extends CommandId> = K extends keyof CommandArgTable ? CommandArgTable[K] : [];

export function registerCommand<K extends CommandId>(
  commands: typeof vscode.commands,
  id: K,
  run: (...args: CommandArgs<K>) => unknown,
): vscode.Disposable {
  return commands.registerCommand(id, (...args: unknown[]) => {
    const result = (run as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(crossesAsSummary) : crossesAsSummary(result);
  });
}

/**
 * A command run from the palette, a menu or a keybinding is run for the workbench, which receives its result over
 * VS Code's RPC serialized with JSON.stringify: for a trace, tens of MB of typed arrays as JSON text. Profiled on
 * a GPT-2-small model at 256 + 20 tokens, that held the extension host ~7 s after every Decode Selection, before the
 * panel could be served. The workbench never reads the result, so it gets a summary (the result's own strings,
 * numbers and booleans). The result itself is not touched — the extension stores, saves and posts it to webviews —
 * the caller gets a view of it whose only difference is a toJSON (callers in the extension host, the API and the
 * tests, read it as the result; a view cannot be structured-cloned, the result can).
 */
export function crossesAsSummary<T>(result: T): T {
  if (result === null || typeof result !== 'object' || typeof (result as { toJSON?: unknown }).toJSON === 'function') return result;
  const summary = () => primitivesOf(result);
  return new Proxy(result, { get: (target, prop) => (prop === 'toJSON' ? summary : Reflect.get(target, prop, target)) });
}

function primitivesOf(value: object): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
  return out;
}

export function executeCommand<K extends CommandId, R = unknown>(
  commands: typeof vscode.commands,
  id: K,
  ...args: CommandArgs<K>
): Thenable<R | undefined> {
  return commands.executeCommand<R | undefined>(id, ...args);
}

/** A `command:` link for trusted markdown (the hover): the same arguments, JSON in the query. */
export function commandUri<K extends CommandId>(id: K, ...args: CommandArgs<K>): string {
  return `command:${id}?${encodeURIComponent(JSON.stringify(args))}`;
}
