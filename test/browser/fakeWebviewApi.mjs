/* global window, document, sessionStorage, structuredClone -- runs in the test page */
// What VS Code gives a webview page, faked for the browser tests: acquireVsCodeApi (messages to the stub host,
// state in sessionStorage, counted) and the theme (variables on <html>, the theme class on <body>).

/** `deliver` gets each message the page posts (a structured clone, asynchronously, as VS Code delivers). */
export function installFakeVsCodeApi({ stateKey, record, methodOf, deliver }) {
  window.acquireVsCodeApi = () => ({
    postMessage(message) {
      if (message.kind === 'request') methodOf.set(message.id, message.method);
      const copy = structuredClone(message);
      setTimeout(() => deliver(copy), 0);
    },
    getState: () => JSON.parse(sessionStorage.getItem(stateKey) ?? 'null') ?? undefined,
    setState(state) {
      record.setStates++;
      sessionStorage.setItem(stateKey, JSON.stringify(state));
    },
  });
}

export function applyTheme(theme) {
  for (const [k, v] of Object.entries(theme.vars)) document.documentElement.style.setProperty(k, v);
  document.body.className = theme.bodyClass;
}

export function installTheme(initial) {
  window.__dlApplyTheme = applyTheme;
  document.addEventListener('DOMContentLoaded', () => applyTheme(initial));
}
