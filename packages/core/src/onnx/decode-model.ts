/**
 * Protobuf decoding of the ONNX messages below ModelProto (GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto/TypeProto, OperatorSetIdProto, StringStringEntryProto), read field
 * by field in the schema's order; tensors come out lazy (lazy-tensor.ts). read-model.ts decodes
 * ModelProto itself and turns wire errors into ModelErrors.
 */
import { ModelError } from '../errors.js';
import { LazyTensor, type ModelSource } from './lazy-tensor.js';
import {
  AttributeType,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxGraph,
  type OnnxNode,
  type OnnxOpset,
  type OnnxTensor,
  type OnnxValueInfo,
} from './schema.js';
import { type ProtoReader, WIRE_I32, WIRE_LEN, WIRE_VARINT, WireError } from './wire.js';

export function expectWire(r: ProtoReader, wire: number, expected: number, what: string): void {
  if (wire !== expected) {
    throw new WireError(`${what} has wire type ${wire}, expected ${expected}`, r.pos);
  }
}

export function parseOpset(r: ProtoReader): OnnxOpset {
  let domain = '';
  let version = 0;
  while (!r.done) {
    const t = r.tag();
    const f = t >>> 3;
    const w = t & 7;
    if (f === 1 && w === WIRE_LEN) domain = r.string();
    else if (f === 2 && w === WIRE_VARINT) version = r.int64();
    else r.skip(w);
  }
  return { domain, version };
}

export function parseEntry(r: ProtoReader): [string, string] {
  let key = '';
  let value = '';
  while (!r.done) {
    const t = r.tag();
    const f = t >>> 3;
    const w = t & 7;
    if (f === 1 && w === WIRE_LEN) key = r.string();
    else if (f === 2 && w === WIRE_LEN) value = r.string();
    else r.skip(w);
  }
  return [key, value];
}

function parseShape(r: ProtoReader): OnnxDim[] {
  const dims: OnnxDim[] = [];
  while (!r.done) {
    const t = r.tag();
    const w = t & 7;
    if (t >>> 3 === 1) {
      expectWire(r, w, WIRE_LEN, 'TensorShapeProto.dim');
      const d = r.message();
      let dim: OnnxDim = null;
      while (!d.done) {
        const dt = d.tag();
        const df = dt >>> 3;
        const dw = dt & 7;
        if (df === 1 && dw === WIRE_VARINT) dim = d.int64();
        else if (df === 2 && dw === WIRE_LEN) dim = d.string();
        else d.skip(dw);
      }
      dims.push(dim);
    } else r.skip(w);
  }
  return dims;
}

function parseValueInfo(r: ProtoReader): OnnxValueInfo {
  let name = '';
  let elemType: number | null = null;
  let shape: OnnxDim[] | null = null;
  while (!r.done) {
    const t = r.tag();
    const f = t >>> 3;
    const w = t & 7;
    if (f === 1 && w === WIRE_LEN) name = r.string();
    else if (f === 2 && w === WIRE_LEN) {
      // TypeProto
      const tp = r.message();
      while (!tp.done) {
        const tt = tp.tag();
        const tw = tt & 7;
        if (tt >>> 3 === 1 && tw === WIRE_LEN) {
          // TypeProto.Tensor
          const tr = tp.message();
          while (!tr.done) {
            const x = tr.tag();
            const xf = x >>> 3;
            const xw = x & 7;
            if (xf === 1 && xw === WIRE_VARINT) elemType = tr.int64();
            else if (xf === 2 && xw === WIRE_LEN) shape = parseShape(tr.message());
            else tr.skip(xw);
          }
        } else tp.skip(tw);
      }
    } else r.skip(w);
  }
  return { name, elemType, shape };
}

function parseTensor(r: ProtoReader, source: ModelSource): LazyTensor {
  const t = new LazyTensor(source);
  while (!r.done) {
    const tag = r.tag();
    const f = tag >>> 3;
    const w = tag & 7;
    switch (f) {
      case 1:
        r.repeatedInt64(w, t.dims);
        break;
      case 2:
        expectWire(r, w, WIRE_VARINT, 'TensorProto.data_type');
        t.dataType = r.int64();
        break;
      case 8:
        expectWire(r, w, WIRE_LEN, 'TensorProto.name');
        t.name = r.string();
        break;
      case 9: {
        expectWire(r, w, WIRE_LEN, 'TensorProto.raw_data');
        const [start, end] = r.span();
        t.raw = { wire: w, start, end };
        break;
      }
      case 4: // float_data
      case 5: // int32_data
      case 7: // int64_data
      case 10: // double_data
      case 11: {
        // uint64_data
        if (w === WIRE_LEN) {
          const [start, end] = r.span();
          t.typed.push({ wire: w, start, end });
        } else {
          const start = r.pos;
          r.skip(w);
          t.typed.push({ wire: w, start, end: r.pos });
        }
        break;
      }
      case 13: {
        expectWire(r, w, WIRE_LEN, 'TensorProto.external_data');
        const [k, v] = parseEntry(r.message());
        t.external ??= {};
        t.external[k] = v;
        break;
      }
      case 14:
        expectWire(r, w, WIRE_VARINT, 'TensorProto.data_location');
        t.externalFlag = r.int64() === 1;
        break;
      default:
        r.skip(w);
    }
  }
  checkDims(t, source);
  return t;
}

/**
 * A tensor's dims are sizes: each a non-negative integer, their product a safe integer. Refused
 * here, once, so that no reader of `dims` sizes an array from a negative or absurd number.
 */
function checkDims(t: LazyTensor, source: ModelSource): void {
  let size = 1;
  for (const d of t.dims) {
    size *= d;
    if (!Number.isSafeInteger(d) || d < 0 || !Number.isSafeInteger(size)) {
      throw new ModelError(
        'E_MODEL_FORMAT',
        `tensor '${t.name}' has dims [${t.dims.join(',')}]: ${d < 0 ? `dimension ${d} is negative` : 'more elements than can be counted'}`,
        { file: source.path ?? '<memory>', hint: 'the file is damaged or not a valid ONNX model' },
      );
    }
  }
}

function parseAttribute(r: ProtoReader, source: ModelSource): OnnxAttribute {
  let name = '';
  let type = 0;
  let f: number | undefined;
  let i: number | undefined;
  let s: string | undefined;
  let t: OnnxTensor | undefined;
  let floats: number[] | undefined;
  let ints: number[] | undefined;
  let strings: string[] | undefined;
  let undecoded = false;
  while (!r.done) {
    const tag = r.tag();
    const fn = tag >>> 3;
    const w = tag & 7;
    switch (fn) {
      case 1:
        expectWire(r, w, WIRE_LEN, 'AttributeProto.name');
        name = r.string();
        break;
      case 20:
        type = r.int64();
        break;
      case 2:
        expectWire(r, w, WIRE_I32, 'AttributeProto.f');
        f = r.float();
        break;
      case 3:
        expectWire(r, w, WIRE_VARINT, 'AttributeProto.i');
        i = r.int64();
        break;
      case 4:
        expectWire(r, w, WIRE_LEN, 'AttributeProto.s');
        s = r.string();
        break;
      case 5:
        expectWire(r, w, WIRE_LEN, 'AttributeProto.t');
        t = parseTensor(r.message(), source);
        break;
      case 7:
        floats ??= [];
        r.repeatedFloat(w, floats);
        break;
      case 8:
        ints ??= [];
        r.repeatedInt64(w, ints);
        break;
      case 9:
        expectWire(r, w, WIRE_LEN, 'AttributeProto.strings');
        strings ??= [];
        strings.push(r.string());
        break;
      case 6:
      case 10:
      case 11:
      case 14:
      case 15:
      case 22:
      case 23:
        undecoded = true;
        r.skip(w);
        break;
      default:
        r.skip(w);
    }
  }
  // IR < 3 files may lack `type`: infer it from what is set
  if (type === 0) {
    if (f !== undefined) type = AttributeType.FLOAT;
    else if (i !== undefined) type = AttributeType.INT;
    else if (s !== undefined) type = AttributeType.STRING;
    else if (t !== undefined) type = AttributeType.TENSOR;
    else if (floats !== undefined) type = AttributeType.FLOATS;
    else if (ints !== undefined) type = AttributeType.INTS;
    else if (strings !== undefined) type = AttributeType.STRINGS;
  }
  const a: {
    -readonly [K in keyof OnnxAttribute]: OnnxAttribute[K];
  } = { name, type };
  if (f !== undefined) a.f = f;
  if (i !== undefined) a.i = i;
  if (s !== undefined) a.s = s;
  if (t !== undefined) a.t = t;
  if (floats !== undefined) a.floats = floats;
  if (ints !== undefined) a.ints = ints;
  if (strings !== undefined) a.strings = strings;
  if (undecoded) a.undecoded = true;
  return a;
}

function parseNode(r: ProtoReader, source: ModelSource): OnnxNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  let name = '';
  let opType = '';
  let domain = '';
  const attributes = new Map<string, OnnxAttribute>();
  while (!r.done) {
    const tag = r.tag();
    const f = tag >>> 3;
    const w = tag & 7;
    if (f === 1 && w === WIRE_LEN) inputs.push(r.string());
    else if (f === 2 && w === WIRE_LEN) outputs.push(r.string());
    else if (f === 3 && w === WIRE_LEN) name = r.string();
    else if (f === 4 && w === WIRE_LEN) opType = r.string();
    else if (f === 7 && w === WIRE_LEN) domain = r.string();
    else if (f === 5 && w === WIRE_LEN) {
      const a = parseAttribute(r.message(), source);
      attributes.set(a.name, a);
    } else r.skip(w);
  }
  return { name, opType, domain, inputs, outputs, attributes };
}

export interface ParsedGraph extends OnnxGraph {
  readonly initializers: Map<string, LazyTensor>;
}

export function parseGraph(r: ProtoReader, source: ModelSource): ParsedGraph {
  const nodes: OnnxNode[] = [];
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const valueInfo: OnnxValueInfo[] = [];
  const initializers = new Map<string, LazyTensor>();
  let name = '';
  while (!r.done) {
    const tag = r.tag();
    const f = tag >>> 3;
    const w = tag & 7;
    switch (f) {
      case 1:
        expectWire(r, w, WIRE_LEN, 'GraphProto.node');
        nodes.push(parseNode(r.message(), source));
        break;
      case 2:
        expectWire(r, w, WIRE_LEN, 'GraphProto.name');
        name = r.string();
        break;
      case 5: {
        expectWire(r, w, WIRE_LEN, 'GraphProto.initializer');
        const t = parseTensor(r.message(), source);
        initializers.set(t.name, t);
        break;
      }
      case 11:
        expectWire(r, w, WIRE_LEN, 'GraphProto.input');
        inputs.push(parseValueInfo(r.message()));
        break;
      case 12:
        expectWire(r, w, WIRE_LEN, 'GraphProto.output');
        outputs.push(parseValueInfo(r.message()));
        break;
      case 13:
        expectWire(r, w, WIRE_LEN, 'GraphProto.value_info');
        valueInfo.push(parseValueInfo(r.message()));
        break;
      default:
        r.skip(w);
    }
  }
  return {
    name,
    nodes,
    inputs,
    outputs,
    valueInfo,
    initializerNames: [...initializers.keys()],
    initializers,
  };
}

/** Repeated ModelProto.graph occurrences merged into one graph, as protobuf merges them. */
export function mergeGraphs(graphs: ParsedGraph[]): ParsedGraph {
  if (graphs.length === 1) return graphs[0]!;
  const initializers = new Map<string, LazyTensor>();
  for (const g of graphs) for (const [k, v] of g.initializers) initializers.set(k, v);
  let name = '';
  for (const g of graphs) if (g.name !== '') name = g.name;
  return {
    name,
    nodes: graphs.flatMap((g) => g.nodes),
    inputs: graphs.flatMap((g) => g.inputs),
    outputs: graphs.flatMap((g) => g.outputs),
    valueInfo: graphs.flatMap((g) => g.valueInfo),
    initializerNames: [...initializers.keys()],
    initializers,
  };
}
