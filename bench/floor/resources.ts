/** What the heavy sections check before they start, so a small or busy machine skips them with a message. */
import { statfsSync } from 'node:fs';
import { freemem } from 'node:os';

/** Bytes free on the file system holding `dir`. */
export function diskFree(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Bytes of memory available now (MemAvailable on Linux). */
export const memoryFree = () => freemem();

/** Why a section cannot run here ('' when it can). */
export function shortOf(need: { disk?: number; memory?: number }, dir: string): string {
  const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
  if (need.disk && diskFree(dir) < need.disk) return `needs ${gb(need.disk)} free in ${dir}, has ${gb(diskFree(dir))}`;
  if (need.memory && memoryFree() < need.memory) return `needs ${gb(need.memory)} of free memory, has ${gb(memoryFree())}`;
  return '';
}

/** Bytes held in typed arrays anywhere in `value` (a trace's captured data, whatever form it takes). */
export function typedBytes(value: unknown, seen = new Set<unknown>()): number {
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  let sum = 0;
  for (const v of Object.values(value)) sum += typedBytes(v, seen);
  return sum;
}
