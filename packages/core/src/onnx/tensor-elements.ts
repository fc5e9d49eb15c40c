/**
 * Element decoding of tensor bytes: bytes per element of each TensorProto.DataType, and one
 * little-endian element of any numeric type as a JavaScript number (float16 and bfloat16 widened).
 */
import { DataType } from './schema.js';

/** Bytes per element of the fixed-size data types (strings have none). */
export const ELEM_BYTES: Record<number, number> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  16: 2,
};

/** An IEEE float16 bit pattern as a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : Number.NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Whether this machine stores typed arrays little-endian (as ONNX raw data is). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A bfloat16 bit pattern as a number. */
export function bf16ToFloat(v: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setUint32(0, (v & 0xffff) << 16);
  return b.getFloat32(0);
}

/** Element i of little-endian data of type `dt`; NaN for a type that is not numeric. */
export function readElem(dv: DataView, dt: number, i: number): number {
  switch (dt) {
    case DataType.FLOAT:
      return dv.getFloat32(i * 4, true);
    case DataType.DOUBLE:
      return dv.getFloat64(i * 8, true);
    case DataType.FLOAT16:
      return halfToFloat(dv.getUint16(i * 2, true));
    case DataType.BFLOAT16:
      return bf16ToFloat(dv.getUint16(i * 2, true));
    case DataType.UINT8:
    case DataType.BOOL:
      return dv.getUint8(i);
    case DataType.INT8:
      return dv.getInt8(i);
    case DataType.UINT16:
      return dv.getUint16(i * 2, true);
    case DataType.INT16:
      return dv.getInt16(i * 2, true);
    case DataType.INT32:
      return dv.getInt32(i * 4, true);
    case DataType.UINT32:
      return dv.getUint32(i * 4, true);
    case DataType.INT64:
      return dv.getInt32(i * 8 + 4, true) * 4294967296 + dv.getUint32(i * 8, true);
    case DataType.UINT64:
      return dv.getUint32(i * 8 + 4, true) * 4294967296 + dv.getUint32(i * 8, true);
    default:
      return Number.NaN;
  }
}
