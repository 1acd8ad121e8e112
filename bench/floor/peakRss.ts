/**
 * Preloaded into a measured child (`node --require peakRss.js …`): when it exits, writes its peak resident memory
 * in bytes and its CPU time (user + system, every thread) in ms, as JSON, to the file named by
 * DECODER_LENS_BENCH_RSS. Both sides of a pair get it, so it costs both alike.
 *
 * The peak is VmHWM from /proc/self/status where there is one: Linux keeps getrusage's ru_maxrss across fork +
 * exec, so a child of a bench process holding 2 GB of sessions would report at least those 2 GB.
 */
import { readFileSync, writeFileSync } from 'node:fs';

function peakResident(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: the resource usage below.
  }
  return process.resourceUsage().maxRSS * 1024;
}

const target = process.env.DECODER_LENS_BENCH_RSS;
if (target)
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(target, JSON.stringify({ rss: peakResident(), cpu: (u.userCPUTime + u.systemCPUTime) / 1000 }));
  });
