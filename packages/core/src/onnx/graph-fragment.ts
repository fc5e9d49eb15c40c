/**
 * Appending computation to a model without touching a single original byte: nodes, initializers,
 * inputs and outputs go into a `ModelProto.graph` fragment appended to the file, which protobuf
 * parsers merge into the original graph (see add-outputs.ts). The builder writes each op in the
 * form the model's opset defines (axes as attribute or input, TopK's k), so nothing is upgraded.
 */
import { ModelError } from '../errors.js';
import { encodeValueInfo, type OutputSpec } from './add-outputs.js';
import { ProtoWriter } from './encode.js';
import { DataType, type OnnxModel } from './schema.js';

export type AttributeValue =
  | { readonly i: number }
  | { readonly f: number }
  | { readonly ints: readonly number[] }
  | { readonly s: string };

export interface TensorData {
  readonly name: string;
  readonly dims: readonly number[];
  /** float32 values, or int64 values (as numbers, exact up to 2^53) with `dataType` INT64. */
  readonly data: ArrayLike<number>;
  readonly dataType?: number;
}

/** Encodes one TensorProto with raw_data (float32 or int64, little-endian). */
export function encodeTensorData(w: ProtoWriter, t: TensorData): void {
  const dataType = t.dataType ?? DataType.FLOAT;
  w.packedInts(1, t.dims);
  w.int(2, dataType);
  w.string(8, t.name);
  let raw: Uint8Array;
  if (dataType === DataType.FLOAT) raw = new Uint8Array(Float32Array.from(t.data).buffer);
  else if (dataType === DataType.INT64) {
    raw = new Uint8Array(BigInt64Array.from(Array.from(t.data), (x) => BigInt(x)).buffer);
  } else throw new RangeError(`graph fragment: tensors of data type ${dataType} are not supported`);
  w.bytes(9, raw);
}

/** Encodes one AttributeProto. */
export function encodeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if ('i' in value) w.int(3, value.i).int(20, 2);
  else if ('f' in value) w.float(2, value.f).int(20, 1);
  else if ('ints' in value) w.packedInts(8, value.ints).int(20, 7);
  else w.string(4, value.s).int(20, 3);
}

interface NodeData {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/**
 * A graph fragment under construction. Every tensor it creates is named `<prefix><n>`, and the
 * constructor refuses a model that already uses the prefix, so no name can clash.
 */
export class GraphFragment {
  private readonly nodes: NodeData[] = [];
  private readonly initializers: TensorData[] = [];
  private readonly inputs: OutputSpec[] = [];
  private readonly outputs: OutputSpec[] = [];
  private counter = 0;
  readonly opset: number;

  constructor(
    readonly model: OnnxModel,
    private readonly prefix: string,
  ) {
    this.opset = model.opset;
    const names = [
      ...model.graph.inputs.map((i) => i.name),
      ...model.graph.outputs.map((o) => o.name),
      ...model.graph.initializerNames,
      ...model.graph.nodes.flatMap((n) => [...n.outputs, n.name]),
    ];
    const clash = names.find((n) => n.startsWith(prefix));
    if (clash !== undefined) {
      throw new ModelError(
        'E_MODEL_FORMAT',
        `cannot extend the graph: '${clash}' already uses the prefix '${prefix}'`,
        {
          file: model.path,
        },
      );
    }
  }

  /** A fresh tensor name. */
  name(hint: string): string {
    return `${this.prefix}${hint}_${this.counter++}`;
  }

  /** Adds a node; returns its first output. */
  node(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    outputCount = 1,
  ): string {
    const outputs = Array.from({ length: outputCount }, () => this.name(op.toLowerCase()));
    this.nodes.push({ op, inputs, outputs, name: this.name(`node_${op}`), attributes });
    return outputs[0]!;
  }

  /** Adds a node with explicitly named outputs (graph outputs). */
  nodeTo(
    op: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
  ): void {
    this.nodes.push({ op, inputs, outputs, name: this.name(`node_${op}`), attributes });
  }

  /** A float32 constant. */
  floats(hint: string, dims: readonly number[], data: ArrayLike<number>): string {
    const name = this.name(hint);
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** An int64 constant. */
  int64s(hint: string, dims: readonly number[], data: ArrayLike<number>): string {
    const name = this.name(hint);
    this.initializers.push({ name, dims, data, dataType: DataType.INT64 });
    return name;
  }

  addInput(spec: OutputSpec): void {
    this.inputs.push(spec);
  }

  addOutput(spec: OutputSpec): void {
    this.outputs.push(spec);
  }

  // Ops whose form changed between opsets -----------------------------------------------------

  unsqueeze(x: string, axes: readonly number[]): string {
    if (this.opset >= 13) return this.node('Unsqueeze', [x, this.int64s('axes', [axes.length], axes)]);
    return this.node('Unsqueeze', [x], { axes: { ints: axes } });
  }

  /** ReduceSum/ReduceMin/ReduceMax over `axes` (ReduceSum takes them as input from opset 13, the others from 18). */
  reduce(
    op: 'ReduceSum' | 'ReduceMin' | 'ReduceMax' | 'ReduceMean',
    x: string,
    axes: readonly number[],
    keepdims: boolean,
  ): string {
    const asInput = this.opset >= (op === 'ReduceSum' ? 13 : 18);
    const attrs: Record<string, AttributeValue> = { keepdims: { i: keepdims ? 1 : 0 } };
    if (asInput) return this.node(op, [x, this.int64s('axes', [axes.length], axes)], attrs);
    return this.node(op, [x], { ...attrs, axes: { ints: axes } });
  }

  squeeze(x: string, axes: readonly number[]): string {
    if (this.opset >= 13) return this.node('Squeeze', [x, this.int64s('axes', [axes.length], axes)]);
    return this.node('Squeeze', [x], { axes: { ints: axes } });
  }

  /** Constant-mode zero padding; `pads` as ONNX orders them (all begins, then all ends). */
  pad(x: string, pads: readonly number[]): string {
    if (this.opset >= 11) return this.node('Pad', [x, this.int64s('pads', [pads.length], pads)]);
    return this.node('Pad', [x], { pads: { ints: pads } });
  }

  /** x[starts:ends] along `axes`, step 1 (inputs from opset 10). */
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[]): string {
    if (this.opset >= 10) {
      const n = axes.length;
      return this.node('Slice', [
        x,
        this.int64s('starts', [n], starts),
        this.int64s('ends', [n], ends),
        this.int64s('axes', [n], axes),
      ]);
    }
    return this.node('Slice', [x], { starts: { ints: starts }, ends: { ints: ends }, axes: { ints: axes } });
  }

  /** The indices of the k largest values along the last axis, best first (k as input from opset 10). */
  topKIndices(x: string, k: number): string {
    const values = this.name('topk_values');
    const indices = this.name('topk_indices');
    if (this.opset >= 10)
      this.nodeTo('TopK', [x, this.int64s('k', [1], [k])], [values, indices], { axis: { i: -1 } });
    else this.nodeTo('TopK', [x], [values, indices], { axis: { i: -1 }, k: { i: k } });
    return indices;
  }

  cast(x: string, to: number): string {
    return this.node('Cast', [x], { to: { i: to } });
  }

  /** The fragment's bytes (a `ModelProto.graph` field). */
  encode(): Uint8Array {
    const w = new ProtoWriter();
    w.message(7, (g) => {
      for (const n of this.nodes) {
        g.message(1, (m) => {
          for (const i of n.inputs) m.string(1, i);
          for (const o of n.outputs) m.string(2, o);
          m.string(3, n.name);
          m.string(4, n.op);
          for (const [k, v] of Object.entries(n.attributes)) m.message(5, (a) => encodeAttribute(a, k, v));
        });
      }
      for (const t of this.initializers) g.message(5, (m) => encodeTensorData(m, t));
      // IR < 4: every initializer must also be a graph input.
      const inputs: OutputSpec[] =
        this.model.irVersion < 4
          ? [
              ...this.inputs,
              ...this.initializers.map((t) => ({
                name: t.name,
                elemType: t.dataType ?? DataType.FLOAT,
                shape: t.dims,
              })),
            ]
          : this.inputs;
      for (const i of inputs) g.message(11, (m) => encodeValueInfo(m, i));
      for (const o of this.outputs) g.message(12, (m) => encodeValueInfo(m, o));
    });
    return w.finish();
  }

  /** The original model bytes followed by the fragment. */
  appendTo(): Uint8Array {
    const fragment = this.encode();
    const out = new Uint8Array(this.model.bytes.length + fragment.length);
    out.set(this.model.bytes, 0);
    out.set(fragment, this.model.bytes.length);
    return out;
  }
}
