// The part of the `vscode` API the panel's HTML builder uses, for rendering the page outside VS Code.
export class Uri {
  constructor(path) {
    this.path = path;
    this.fsPath = path;
  }
  static file(path) {
    return new Uri(path);
  }
  static joinPath(base, ...parts) {
    return new Uri([base.path.replace(/\/$/, ''), ...parts].join('/'));
  }
  toString() {
    return `file://${this.path}`;
  }
}

// The page's labels and language: English, as VS Code gives them with no language pack.
export const l10n = {
  t: (message, ...args) => message.replace(/\{(\d+)\}/g, (m, n) => (args[Number(n)] !== undefined ? String(args[Number(n)]) : m)),
};
export const env = { language: 'en' };
