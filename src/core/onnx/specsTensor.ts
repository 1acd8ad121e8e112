// Spec for TensorProto: names, types and shapes are decoded; payload fields are recorded as byte ranges, never read.
// Field numbers are from onnx/onnx.proto3 (ONNX 1.17).
import type { InitializerInfo } from './types';
import { elemTypeName } from './types';
import type { Spec } from './walk';
import { entrySpec, int, str } from './specsSmall';
import { FormatError, WIRE_LEN, readPackedVarints } from './wire';

/** Payloads up to this size are copied into TensorInfo.small (shape constants, scalars). */
const SMALL_PAYLOAD = 256;

const PAYLOAD_FIELDS: Record<number, string> = {
  4: 'float_data',
  5: 'int32_data',
  6: 'string_data',
  7: 'int64_data',
  9: 'raw_data',
  10: 'double_data',
  11: 'uint64_data',
};

export interface TensorDraft extends InitializerInfo {
  externalEntries: { key: string; value: string }[];
  location: number;
}

/** TensorProto: 1 dims, 2 data_type, 8 name, 9 raw_data, 13 external_data, 14 data_location; payloads skipped. */
export const tensorSpec: Spec<TensorDraft> = {
  name: 'TensorProto',
  eager: 16 * 1024,
  create: () => ({
    name: '',
    dataType: 0,
    dims: [],
    data: null,
    dataField: null,
    external: null,
    range: { offset: 0, length: 0 },
    externalEntries: [],
    location: 0,
  }),
  child: (no) => (no === 13 ? (entrySpec as Spec<unknown>) : undefined),
  skip: (no) => (PAYLOAD_FIELDS[no] ? 'payload' : no === 3 || no === 12 || no === 16 ? 'ignore' : undefined),
  onChild(m, _no, child) {
    m.externalEntries.push(child as { key: string; value: string });
  },
  onPayload(m, no, range, bytes) {
    m.data = range;
    m.dataField = PAYLOAD_FIELDS[no];
    if (bytes && bytes.length <= SMALL_PAYLOAD) m.small = new Uint8Array(bytes); // a copy (Buffer.slice would be a view)
  },
  field(m, f, buf, base) {
    if (f.no === 1) {
      if (f.wire === WIRE_LEN) readPackedVarints(buf, f.start, f.end, base, m.dims, 64);
      else if (m.dims.length >= 64) throw new FormatError('a tensor has more than 64 dimensions', base + f.keyStart);
      else m.dims.push(int(this.name, f, base));
    } else if (f.no === 2) m.dataType = int(this.name, f, base);
    else if (f.no === 8) m.name = str(this.name, f, buf, base);
    else if (f.no === 14) m.location = int(this.name, f, base);
  },
  done(m) {
    m.elemType = elemTypeName(m.dataType);
    if (m.location === 1 || m.externalEntries.length > 0) {
      const get = (k: string) => m.externalEntries.find((e) => e.key === k)?.value;
      const offset = Number(get('offset') ?? 0);
      const length = get('length');
      m.external = {
        location: get('location') ?? '',
        offset: Number.isFinite(offset) ? offset : 0,
        length: length === undefined || !Number.isFinite(Number(length)) ? null : Number(length),
      };
    }
    return m;
  },
};
