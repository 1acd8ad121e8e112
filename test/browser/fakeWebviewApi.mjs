/* global window, document, sessionStorage, structuredClone, MessageEvent -- runs in the test page */
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

/** Records the page's CSP violations and uncaught errors in `record.violations` / `record.errors`. */
export function recordPageProblems(record) {
  document.addEventListener('securitypolicyviolation', (e) => record.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  window.addEventListener('error', (e) => record.errors.push(String(e.message)));
}

/**
 * The stub host's end of the channel. `port.post` logs each message in `record.posted` (kind, method — a
 * response's from `methodOf` — and what `describe` adds) and hands the page a clone asynchronously, as VS Code
 * does; `deliver` gives the host's listeners what the page posts (pass it to installFakeVsCodeApi).
 */
export function stubHostPort(record, methodOf, describe = () => ({})) {
  const toView = new Set();
  const port = {
    post(message) {
      record.posted.push({ kind: message.kind, method: message.method ?? message.event ?? methodOf.get(message.id), ...describe(message) });
      const copy = structuredClone(message);
      setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data: copy })), 0);
    },
    onMessage(listener) {
      toView.add(listener);
      return { dispose: () => toView.delete(listener) };
    },
  };
  return { port, deliver: (m) => toView.forEach((l) => l(m)) };
}
