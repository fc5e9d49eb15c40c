/**
 * A minimal protobuf wire-format reader: varints (64-bit as two 32-bit halves), fixed32/64,
 * length-delimited fields, and skipping of unknown fields. It never copies: length-delimited
 * fields are returned as (start, end) offsets into the one underlying byte array.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_SGROUP = 3;
export const WIRE_EGROUP = 4;
export const WIRE_I32 = 5;

/** Thrown by the reader on malformed input; the ONNX layer turns it into a ModelError. */
export class WireError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'WireError';
    this.offset = offset;
  }
}

const TWO_32 = 4294967296;

/** Protobuf's own default recursion limit: no real ONNX file nests groups at all. */
const MAX_GROUP_DEPTH = 100;

export class ProtoReader {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;
  private view: DataView | undefined;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    if (start < 0 || end > bytes.length || start > end) {
      throw new WireError(`message range ${start}..${end} outside the ${bytes.length}-byte buffer`, start);
    }
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  /** A reader over the sub-range [start, end) of the same bytes. */
  sub(start: number, end: number): ProtoReader {
    return new ProtoReader(this.bytes, start, end);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private dataView(): DataView {
    if (this.view === undefined) {
      this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    }
    return this.view;
  }

  /** A tag: field number and wire type. Returns the raw tag value (field << 3 | wire). */
  tag(): number {
    const t = this.uint32();
    if (t >>> 3 === 0) throw new WireError('invalid field number 0', this.pos);
    return t;
  }

  /** A varint as an unsigned 32-bit number (upper bits of a 64-bit varint are dropped). */
  uint32(): number {
    const b = this.bytes;
    let pos = this.pos;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) throw new WireError('truncated varint', pos);
      const byte = b[pos++]!;
      if (shift < 32) result |= (byte & 0x7f) << shift;
      shift += 7;
      if ((byte & 0x80) === 0) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    throw new WireError('varint longer than 10 bytes', this.pos);
  }

  /**
   * A varint as a signed 64-bit integer, returned as a JS number (exact up to 2^53; beyond that
   * the nearest double). Negative int64 values (ten-byte varints) decode correctly.
   */
  int64(): number {
    const b = this.bytes;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let byte = 0;
    // bytes 0..3: bits 0..27
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= this.end) throw new WireError('truncated varint', pos);
      byte = b[pos++]!;
      lo |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        this.pos = pos;
        return lo >>> 0;
      }
    }
    // byte 4: bits 28..34 (4 bits to lo, 3 bits to hi)
    if (pos >= this.end) throw new WireError('truncated varint', pos);
    byte = b[pos++]!;
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x70) >>> 4;
    if ((byte & 0x80) !== 0) {
      for (let shift = 3; ; shift += 7) {
        if (pos >= this.end) throw new WireError('truncated varint', pos);
        if (shift > 31 + 7) throw new WireError('varint longer than 10 bytes', this.pos);
        byte = b[pos++]!;
        if (shift < 32) hi |= (byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) break;
      }
    }
    this.pos = pos;
    return (hi | 0) * TWO_32 + (lo >>> 0);
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new WireError('truncated fixed32', this.pos);
    const v = this.dataView().getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  float(): number {
    if (this.pos + 4 > this.end) throw new WireError('truncated float', this.pos);
    const v = this.dataView().getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError('truncated double', this.pos);
    const v = this.dataView().getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** fixed64 as a number (exact up to 2^53). */
  fixed64(): number {
    if (this.pos + 8 > this.end) throw new WireError('truncated fixed64', this.pos);
    const dv = this.dataView();
    const lo = dv.getUint32(this.pos, true);
    const hi = dv.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  /** A length-delimited field: returns [start, end) and moves past it. No copy. */
  span(): [number, number] {
    const len = this.uint32();
    const start = this.pos;
    const end = start + len;
    if (end > this.end)
      throw new WireError(`truncated field: ${len} bytes declared, ${this.end - start} left`, start);
    this.pos = end;
    return [start, end];
  }

  /** A length-delimited field as a sub-reader. */
  message(): ProtoReader {
    const [s, e] = this.span();
    return new ProtoReader(this.bytes, s, e);
  }

  string(): string {
    const [s, e] = this.span();
    return decodeUtf8(this.bytes, s, e);
  }

  /** Skips a field of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.int64();
        return;
      case WIRE_I64:
        if (this.pos + 8 > this.end) throw new WireError('truncated fixed64', this.pos);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.span();
        return;
      case WIRE_I32:
        if (this.pos + 4 > this.end) throw new WireError('truncated fixed32', this.pos);
        this.pos += 4;
        return;
      case WIRE_SGROUP: {
        // Groups are obsolete but legal: skip to the matching end-group tag. A loop with a depth
        // count, not recursion, so that a file of nested start-group tags cannot exhaust the stack.
        let depth = 1;
        while (depth > 0) {
          if (this.done) throw new WireError('unterminated group', this.pos);
          const t = this.tag();
          const w = t & 7;
          if (w === WIRE_EGROUP) depth--;
          else if (w === WIRE_SGROUP) {
            if (++depth > MAX_GROUP_DEPTH) {
              throw new WireError(`groups nested deeper than ${MAX_GROUP_DEPTH} levels`, this.pos);
            }
          } else this.skip(w);
        }
        return;
      }
      default:
        throw new WireError(`invalid wire type ${wireType}`, this.pos);
    }
  }

  /**
   * Reads a repeated int64 field that may be packed (wire type 2) or not (wire type 0),
   * appending to `out`.
   */
  repeatedInt64(wireType: number, out: number[]): void {
    if (wireType === WIRE_LEN) {
      const [s, e] = this.span();
      const r = new ProtoReader(this.bytes, s, e);
      while (!r.done) out.push(r.int64());
    } else if (wireType === WIRE_VARINT) {
      out.push(this.int64());
    } else {
      throw new WireError(`wire type ${wireType} for a repeated integer field`, this.pos);
    }
  }

  /** A repeated float field, packed or not, appending to `out`. */
  repeatedFloat(wireType: number, out: number[]): void {
    if (wireType === WIRE_LEN) {
      const [s, e] = this.span();
      const r = new ProtoReader(this.bytes, s, e);
      while (!r.done) out.push(r.float());
    } else if (wireType === WIRE_I32) {
      out.push(this.float());
    } else {
      throw new WireError(`wire type ${wireType} for a repeated float field`, this.pos);
    }
  }
}

const utf8 = new TextDecoder('utf-8');

export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  // ASCII fast path: ONNX names are nearly always ASCII and short.
  if (end - start < 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
      return s;
    }
  }
  return utf8.decode(bytes.subarray(start, end));
}
