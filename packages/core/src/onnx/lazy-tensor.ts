/**
 * Lazy tensors: a TensorProto read as offsets into the model's bytes (raw_data, the typed *_data
 * fields) or as a pointer to external data, decoded only when `floats()` or `ints()` is called, so
 * a 47 MB model parses in milliseconds. decode-model.ts fills the fields while it reads.
 */
import { ModelError } from '../errors.js';
import { readExternalData } from './external-data.js';
import { DataType, dataTypeName, type OnnxTensor } from './schema.js';
import { bf16ToFloat, ELEM_BYTES, halfToFloat, LITTLE_ENDIAN, readElem } from './tensor-elements.js';
import { ProtoReader, WIRE_I32, WIRE_I64, WIRE_LEN } from './wire.js';

/** The bytes a model was parsed from, and where they came from (messages, external data). */
export interface ModelSource {
  readonly bytes: Uint8Array;
  readonly path: string | undefined;
}

/** One occurrence of a field in the model's bytes: its wire type and payload offsets. */
export interface Span {
  wire: number;
  start: number;
  end: number;
}

export class LazyTensor implements OnnxTensor {
  name = '';
  dims: number[] = [];
  dataType = 0;
  raw: Span | undefined;
  typed: Span[] = [];
  external: Record<string, string> | undefined;
  externalFlag = false;

  constructor(private readonly source: ModelSource) {}

  get storage(): OnnxTensor['storage'] {
    if (this.externalFlag) return 'external';
    if (this.raw !== undefined) return 'raw';
    if (this.typed.length > 0) return 'typed';
    return 'empty';
  }

  get size(): number {
    let n = 1;
    for (const d of this.dims) n *= d;
    return n;
  }

  private where(): string {
    return `initializer '${this.name}'`;
  }

  private fail(message: string): never {
    throw new ModelError('E_MODEL_FORMAT', `${this.where()}: ${message}`, { file: this.source.path });
  }

  /** The raw little-endian bytes of raw_data or external data, or undefined for typed fields. */
  private rawBytes(): Uint8Array | undefined {
    if (this.externalFlag) return this.readExternal();
    if (this.raw !== undefined) return this.source.bytes.subarray(this.raw.start, this.raw.end);
    return undefined;
  }

  private readExternal(): Uint8Array {
    const elem = ELEM_BYTES[this.dataType];
    return readExternalData({
      entries: this.external,
      expectedBytes: elem === undefined ? undefined : elem * this.size,
      modelPath: this.source.path,
      where: this.where(),
    });
  }

  private checkLength(bytes: Uint8Array, elem: number): void {
    if (bytes.length !== elem * this.size) {
      this.fail(
        `has ${bytes.length} data bytes, expected ${elem * this.size} for ${dataTypeName(this.dataType)} [${this.dims.join(',')}]`,
      );
    }
  }

  floats(): Float32Array {
    const n = this.size;
    const dt = this.dataType;
    const raw = this.rawBytes();
    if (raw !== undefined) {
      if (dt === DataType.FLOAT) {
        this.checkLength(raw, 4);
        const out = new Float32Array(n);
        if (LITTLE_ENDIAN) {
          new Uint8Array(out.buffer).set(raw);
        } else {
          const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
          for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
        }
        return out;
      }
      const elem = ELEM_BYTES[dt];
      if (elem === undefined) this.fail(`cannot read ${dataTypeName(dt)} data as numbers`);
      this.checkLength(raw, elem);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = readElem(dv, dt, i);
      return out;
    }
    // typed fields
    const values = this.typedNumbers();
    if (values.length !== n)
      this.fail(`has ${values.length} values, expected ${n} for [${this.dims.join(',')}]`);
    const out = new Float32Array(n);
    if (dt === DataType.FLOAT16) for (let i = 0; i < n; i++) out[i] = halfToFloat(values[i]!);
    else if (dt === DataType.BFLOAT16) for (let i = 0; i < n; i++) out[i] = bf16ToFloat(values[i]!);
    else for (let i = 0; i < n; i++) out[i] = values[i]!;
    return out;
  }

  ints(): number[] {
    const dt = this.dataType;
    if (
      dt === DataType.FLOAT ||
      dt === DataType.DOUBLE ||
      dt === DataType.FLOAT16 ||
      dt === DataType.BFLOAT16 ||
      dt === DataType.STRING
    ) {
      this.fail(`is ${dataTypeName(dt)}, not an integer tensor`);
    }
    const raw = this.rawBytes();
    const n = this.size;
    if (raw !== undefined) {
      const elem = ELEM_BYTES[dt];
      if (elem === undefined) this.fail(`cannot read ${dataTypeName(dt)} data as integers`);
      this.checkLength(raw, elem);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const out: number[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readElem(dv, dt, i);
      return out;
    }
    const values = this.typedNumbers();
    if (values.length !== n)
      this.fail(`has ${values.length} values, expected ${n} for [${this.dims.join(',')}]`);
    return values;
  }

  private typedNumbers(): number[] {
    const out: number[] = [];
    for (const s of this.typed) {
      const r = new ProtoReader(this.source.bytes, s.start, s.end);
      // s.start..s.end is the payload of one field occurrence: packed (LEN) or a single value
      if (s.wire === WIRE_LEN) {
        while (!r.done) out.push(this.readTyped(r));
      } else {
        out.push(this.readTypedSingle(r, s.wire));
      }
    }
    return out;
  }

  private readTyped(r: ProtoReader): number {
    const dt = this.dataType;
    if (dt === DataType.FLOAT) return r.float();
    if (dt === DataType.DOUBLE) return r.double();
    return r.int64();
  }

  private readTypedSingle(r: ProtoReader, wire: number): number {
    if (wire === WIRE_I32) return r.float();
    if (wire === WIRE_I64) return r.double();
    return r.int64();
  }
}
