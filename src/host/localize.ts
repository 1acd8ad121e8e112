/**
 * How host code that must stay vscode-free (the hover text, the inspector session) receives its translator:
 * the extension passes `vscode.l10n.t`; unit tests and the CLI get `english`, which only fills the `{0}`
 * placeholders the way `vscode.l10n.t` does. Every message passed to a `Localize` is a literal in the source
 * (the bundle test finds them there), so the English text is the key of l10n/bundle.l10n.json.
 */
export type Localize = (message: string, ...args: (string | number | boolean)[]) => string;

export const english: Localize = (message, ...args) =>
  message.replace(/\{(\d+)\}/g, (whole, index: string) => (Number(index) < args.length ? String(args[Number(index)]) : whole));
