import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../src/onnx/encode.js';
import { ProtoReader, WireError } from '../../src/onnx/wire.js';

describe('protobuf wire format', () => {
  it('round-trips int64 varints, negative ones as ten bytes', () => {
    const values = [
      0,
      1,
      127,
      128,
      300,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32,
      2 ** 53 - 1,
      -1,
      -2,
      -(2 ** 31),
      -(2 ** 40),
    ];
    const w = new ProtoWriter();
    for (const v of values) w.varint(v);
    const bytes = w.finish();
    const r = new ProtoReader(bytes);
    for (const v of values) expect(r.int64()).toBe(v);
    expect(r.done).toBe(true);
    // -1 takes ten bytes
    expect(new ProtoWriter().varint(-1).finish().length).toBe(10);
  });

  it('round-trips any safe integer (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (v) => {
        const r = new ProtoReader(new ProtoWriter().varint(v).finish());
        expect(r.int64()).toBe(v);
      }),
    );
  });

  it('reads fixed32/64, floats, strings and skips unknown fields of every wire type', () => {
    const w = new ProtoWriter();
    w.int(1, 42);
    w.tag(2, 1);
    w.varint(0); // placeholder to be replaced below
    const head = w.finish();
    // hand-assemble: field 2 fixed64, field 3 fixed32, field 4 LEN, field 5 float, field 6 string
    const extra = new Uint8Array([(3 << 3) | 5, 1, 0, 0, 0, (4 << 3) | 2, 3, 9, 9, 9]);
    const tail = new ProtoWriter().float(5, 1.5).string(6, 'héllo').finish();
    const fixed64 = new Uint8Array([(7 << 3) | 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    const bytes = new Uint8Array([...head.subarray(0, 2), ...fixed64, ...extra, ...tail]);
    const r = new ProtoReader(bytes);
    const seen: Record<number, unknown> = {};
    while (!r.done) {
      const t = r.tag();
      const f = t >>> 3;
      if (f === 1) seen[1] = r.int64();
      else if (f === 5) seen[5] = r.float();
      else if (f === 6) seen[6] = r.string();
      else r.skip(t & 7);
    }
    expect(seen).toEqual({ 1: 42, 5: 1.5, 6: 'héllo' });
  });

  it('reads packed and unpacked repeated fields alike', () => {
    const packed = new ProtoWriter().packedInts(1, [1, -2, 3]).finish();
    const unpacked = new ProtoWriter().int(1, 1).int(1, -2).int(1, 3).finish();
    for (const bytes of [packed, unpacked]) {
      const r = new ProtoReader(bytes);
      const out: number[] = [];
      while (!r.done) r.repeatedInt64(r.tag() & 7, out);
      expect(out).toEqual([1, -2, 3]);
    }
  });

  it('refuses truncated input and bad wire types', () => {
    const bytes = new ProtoWriter().string(1, 'hello').finish();
    const r = new ProtoReader(bytes.subarray(0, 4));
    r.tag();
    expect(() => r.span()).toThrow(WireError);
    expect(() => new ProtoReader(new Uint8Array([0x80])).int64()).toThrow(/truncated/);
    expect(() => new ProtoReader(new Uint8Array([(1 << 3) | 7])).skip(7)).toThrow(/wire type/);
  });
});
