/**
 * Reading a mask capture, dense (`visible`) or banded (`bands`, kept beside a sparse attention capture): a row at a
 * time, or whole for the small views that draw it. See MaskCapture.bands for what a band keeps.
 */
import type { MaskCapture } from './types';

type MaskLike = Pick<MaskCapture, 'queries' | 'keys' | 'visible' | 'bands'>;

/** One query row: 1 where the query may see the key (a view of `visible` for a dense capture). */
export function maskVisibleRow(mask: MaskLike, query: number): Uint8Array {
  if (!mask.bands) return mask.visible.subarray(query * mask.keys, (query + 1) * mask.keys);
  const row = new Uint8Array(mask.keys);
  const { first, last, count } = mask.bands;
  if (count[query] > 0) row.fill(1, Math.max(0, first[query]), Math.min(mask.keys, last[query] + 1));
  return row;
}

/** The whole [queries × keys] grid (the dense capture's own array; built for a banded one). */
export function maskVisible(mask: MaskLike): Uint8Array {
  if (!mask.bands) return mask.visible;
  const out = new Uint8Array(mask.queries * mask.keys);
  for (let q = 0; q < mask.queries; q++) out.set(maskVisibleRow(mask, q), q * mask.keys);
  return out;
}

/** Rows of a banded mask whose visible keys do not fill their span (their places are not kept), for a warning. */
export function maskRowsWithHoles(mask: MaskLike): number {
  if (!mask.bands) return 0;
  const { first, last, count } = mask.bands;
  let n = 0;
  for (let q = 0; q < mask.queries; q++) if (count[q] > 0 && count[q] !== last[q] - first[q] + 1) n++;
  return n;
}
