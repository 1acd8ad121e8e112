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
