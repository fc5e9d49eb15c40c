/**
 * The ONNX schema as this package reads it (onnx.proto: ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto/TypeProto, OperatorSetIdProto): the enums, the
 * read-only shapes every other module works with, and short descriptions for messages.
 * No decoding here: decode-model.ts fills these shapes, read-model.ts is the entry point.
 */

/** TensorProto.DataType values used here. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

const DATA_TYPE_NAMES: Record<number, string> = {
  0: 'undefined',
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

export function dataTypeName(t: number): string {
  return DATA_TYPE_NAMES[t] ?? `type ${t}`;
}

/** A dimension: a number (dim_value), a string (dim_param) or null (neither: unknown). */
export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  readonly name: string;
  /** TensorProto.DataType of a tensor type; null when the type is not a tensor or not given. */
  readonly elemType: number | null;
  /** null when no shape is given (unknown rank). */
  readonly shape: readonly OnnxDim[] | null;
}

export interface OnnxOpset {
  readonly domain: string;
  readonly version: number;
}

/** AttributeProto.AttributeType. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly f?: number;
  readonly i?: number;
  readonly s?: string;
  readonly t?: OnnxTensor;
  readonly floats?: readonly number[];
  readonly ints?: readonly number[];
  readonly strings?: readonly string[];
  /** Set for graph / sparse / type attributes, which are kept undecoded. */
  readonly undecoded?: boolean;
}

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
}

export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  /** Where the data is: raw_data, a typed *_data field, or an external file. */
  readonly storage: 'raw' | 'typed' | 'external' | 'empty';
  /** Number of elements (product of dims). */
  readonly size: number;
  /** The values as float32 (float, double, float16, bfloat16 and integer types). A fresh copy. */
  floats(): Float32Array;
  /** The values as numbers for integer and bool types (int64 exact up to 2^53). */
  ints(): number[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  /** Graph inputs, including initializers listed as inputs in old (IR < 4) models. */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly valueInfo: readonly OnnxValueInfo[];
  readonly initializerNames: readonly string[];
}

export interface OnnxModel {
  /** The file it was read from (absolute), or the path given to parseOnnxModel, or '<memory>'. */
  readonly path: string;
  /** The original bytes, unchanged. */
  readonly bytes: Uint8Array;
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly opsets: readonly OnnxOpset[];
  readonly graph: OnnxGraph;
  readonly metadata: Readonly<Record<string, string>>;
  /** The opset version of the default (ai.onnx) domain, or 0 when none is declared. */
  readonly opset: number;
  initializer(name: string): OnnxTensor | undefined;
  /** Inputs that are not initializers: what a session must be fed. */
  realInputs(): OnnxValueInfo[];
  /** The declared shape of a value (graph input/output, value_info or initializer), if any. */
  tensorShape(name: string): readonly OnnxDim[] | undefined;
  /** The declared elem type of a value, if any. */
  tensorType(name: string): number | undefined;
  /** The node that produces `name`, if any. */
  producer(name: string): OnnxNode | undefined;
  /** The nodes that consume `name`. */
  consumers(name: string): readonly OnnxNode[];
}

/** A short description of a node for messages: `Gemm 'fc'` or `Gemm (output 'logits')`. */
export function describeNode(n: OnnxNode): string {
  return n.name !== '' ? `${n.opType} '${n.name}'` : `${n.opType} (output '${n.outputs[0] ?? '?'}')`;
}
