/**
 * A tiny protobuf wire-format writer. Used to append graph-output fragments to an ONNX file
 * (see add-outputs.ts) and, in tests, to build small ONNX models in code.
 */

const utf8 = new TextEncoder();

export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private buf: number[] = [];
  private size = 0;

  private flush(): void {
    if (this.buf.length > 0) {
      this.chunks.push(Uint8Array.from(this.buf));
      this.size += this.buf.length;
      this.buf = [];
    }
  }

  get length(): number {
    return this.size + this.buf.length;
  }

  private pushBytes(bytes: Uint8Array): void {
    if (bytes.length < 64) {
      for (let i = 0; i < bytes.length; i++) this.buf.push(bytes[i]!);
      return;
    }
    this.flush();
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  /** Unsigned varint of a non-negative integer up to 2^53, or a negative int64 (10 bytes). */
  varint(value: number | bigint): this {
    let v = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
    if (v < 0n) v = BigInt.asUintN(64, v);
    const out = this.buf;
    while (v > 0x7fn) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** field as varint (int32/int64/enum/bool). */
  int(field: number, value: number | bigint | boolean): this {
    this.tag(field, 0);
    return this.varint(typeof value === 'boolean' ? (value ? 1 : 0) : value);
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.buf.push(b[i]!);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.pushBytes(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** Bytes that are already encoded fields (tags included), copied as they are. */
  raw(bytes: Uint8Array): this {
    this.pushBytes(bytes);
    return this;
  }

  /** An embedded message built by `build`. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated varints. */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** Packed repeated floats (fixed32). */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i]!, true);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    this.chunks = [out];
    return out;
  }
}
