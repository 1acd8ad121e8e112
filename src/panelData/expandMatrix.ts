/**
 * A head as the panel draws it: float32 probabilities. The host sends a compact capture's head as it is stored —
 * 8- or 16-bit codes (MatrixResult.codes: 16 MB instead of 64 MB at 4,096² for 8 bits) or each row's top k
 * (MatrixResult.topK: ~1.4 MB at k = 56) — and the webview expands it here with the core's own reader, so the panel
 * shows exactly what attentionHead reads.
 */
import { attentionHead } from '../core/trace/attention';
import { maskVisible } from '../core/trace/masks';
import type { AttentionCapture } from '../core/trace/types';
import type { MatrixResult } from '../protocol/panel';

export function expandMatrix(m: MatrixResult): MatrixResult {
  const visible = m.visibleBands
    ? maskVisible({ queries: m.queries, keys: m.keys, visible: new Uint8Array(0), bands: m.visibleBands })
    : m.visible;
  const stored = storedHead(m);
  if (!stored) return { queries: m.queries, keys: m.keys, data: m.data, ...(visible ? { visible } : {}) };
  const head: AttentionCapture = {
    layer: 0,
    kind: 'self',
    heads: 1,
    headAveraged: false,
    queries: m.queries,
    keys: m.keys,
    data: new Float32Array(0),
    ...stored,
  };
  return { queries: m.queries, keys: m.keys, data: attentionHead(head, 0, true), ...(visible ? { visible } : {}) };
}

/** The head's compact form as a one-head capture holds it, checked against the matrix's size. */
function storedHead(m: MatrixResult): Pick<AttentionCapture, 'quantized' | 'topK'> | undefined {
  const size = `A ${m.queries} × ${m.keys} head`;
  if (m.codes) {
    const { bits, coding, bytes } = m.codes;
    if (bytes.length !== (bits / 8) * m.queries * m.keys)
      throw new RangeError(`${size} needs ${(bits / 8) * m.queries * m.keys} bytes of ${bits}-bit codes, not ${bytes.length}.`);
    return { quantized: { bits, codes: bytes, maxError: 0, ...(coding ? { coding } : {}) } };
  }
  if (m.topK) {
    const { k, values, indices, rest } = m.topK;
    if (indices.length !== m.queries * k || values.length !== 2 * m.queries * k || rest.length !== m.queries)
      throw new RangeError(`${size} with its top ${k} keys per row does not match the rows sent.`);
    return { topK: m.topK };
  }
  return undefined;
}
