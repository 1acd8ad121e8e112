/**
 * Preloaded into a measured child (`node --require peakRss.js …`): when it exits, writes its peak resident memory
 * in bytes to the file named by DECODER_LENS_BENCH_RSS. Both sides of a memory pair get it, so it costs both alike.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.DECODER_LENS_BENCH_RSS;
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS * 1024)));
