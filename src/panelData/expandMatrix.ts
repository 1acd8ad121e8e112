/**
 * A head as the panel draws it: float32 probabilities. The host sends a compact capture's head as its codes
 * (MatrixResult.codes, a quarter of float32 for 8-bit codes at T = 4,096: 16 MB instead of 64 MB); the webview
 * decodes them here, with the core's own decoder, so the panel shows exactly what attentionHead reads.
 */
import { attentionHead } from '../core/trace/attention';
import type { MatrixResult } from '../protocol/panel';

export function expandMatrix(m: MatrixResult): MatrixResult {
  if (!m.codes) return m;
  const { bits, coding, bytes } = m.codes;
  if (bytes.length !== (bits / 8) * m.queries * m.keys)
    throw new RangeError(
      `A ${m.queries} × ${m.keys} head needs ${(bits / 8) * m.queries * m.keys} bytes of ${bits}-bit codes, not ${bytes.length}.`,
    );
  const head = {
    layer: 0,
    kind: 'self' as const,
    heads: 1,
    headAveraged: false,
    queries: m.queries,
    keys: m.keys,
    data: new Float32Array(0),
    quantized: { bits, codes: bytes, maxError: 0, ...(coding ? { coding } : {}) },
  };
  return { queries: m.queries, keys: m.keys, data: attentionHead(head, 0, true), ...(m.visible ? { visible: m.visible } : {}) };
}
