// Small helpers shared by the harness scripts: the repo root, timeouts, and killing what we started.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects with "<what> timed out after Ns" unless `promise` settles first. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`${what} timed out after ${Math.round(ms / 1000)}s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** pid → parent pid, read from /proc. */
function parents() {
  const map = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command name in (…) may hold spaces; the ppid is the 2nd field after it.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      map.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* the process ended meanwhile */
    }
  }
  return map;
}

function descendants(pid) {
  const ppid = parents();
  const found = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const [child, parent] of ppid) {
      if (parent === p && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/**
 * Signals the process group led by `pid` (we start children detached, i.e. with setsid) and every
 * descendant that left the group; with `graceMs`, waits for them and then SIGKILLs what is left.
 * The signalling happens synchronously, so it can be used from a process 'exit' handler.
 */
export function killTree(pid, signal = 'SIGTERM', graceMs = 0) {
  if (!pid) return Promise.resolve();
  const all = [pid, ...descendants(pid)];
  const send = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* group gone */
    }
    for (const p of all) {
      try {
        process.kill(p, sig);
      } catch {
        /* gone */
      }
    }
  };
  send(signal);
  if (!graceMs) return Promise.resolve();
  return (async () => {
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && all.some(alive)) await sleep(100);
    if (all.some(alive)) send('SIGKILL');
  })();
}

const cleanups = new Set();
let hooked = false;
/** Runs `fn` (synchronously) if this process exits or is interrupted first; returns a remover. */
export function onExitCleanup(fn) {
  if (!hooked) {
    hooked = true;
    const runAll = () => {
      for (const f of [...cleanups]) {
        try {
          f();
        } catch {
          /* best effort */
        }
      }
      cleanups.clear();
    };
    process.on('exit', runAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
      process.on(sig, () => (runAll(), process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1))));
  }
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Ends the whole run after `ms` whatever is pending (cleanup hooks still run on exit); `onFire` prints a last word. */
export function watchdog(ms, what, onFire) {
  const timer = setTimeout(() => {
    process.stderr.write(`\n${what}: watchdog fired after ${Math.round(ms / 1000)}s; stopping everything.\n`);
    onFire?.();
    process.exit(124);
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
