/**
 * Preloaded into a measured child (`node --require peakRss.js …`): when it exits, writes its peak resident memory
 * in bytes and its CPU time (user + system, every thread) in ms, as JSON, to the file named by
 * DECODER_LENS_BENCH_RSS. Both sides of a pair get it, so it costs both alike.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.DECODER_LENS_BENCH_RSS;
if (target)
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(target, JSON.stringify({ rss: u.maxRSS * 1024, cpu: (u.userCPUTime + u.systemCPUTime) / 1000 }));
  });
