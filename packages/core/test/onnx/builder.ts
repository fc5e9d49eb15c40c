/**
 * Builds tiny ONNX models in code (nothing from ../shared is committed): a test helper.
 */

import { rng } from '../../../../test-support/random.js';
import { encodeValueInfo } from '../../src/onnx/add-outputs.js';
import { ProtoWriter } from '../../src/onnx/encode.js';
import { DataType, type OnnxDim } from '../../src/onnx/schema.js';

export type AttrValue =
  | { i: number }
  | { f: number }
  | { ints: number[] }
  | { floats: number[] }
  | { s: string }
  | { t: TensorSpec };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, AttrValue>;
}

export interface TensorSpec {
  name: string;
  dims: number[];
  data: ArrayLike<number>;
  dataType?: number;
  /** raw_data (default), the typed *_data field, or external data. */
  as?: 'raw' | 'typed' | 'external';
  external?: { location: string; offset?: number; length?: number };
}

export interface ValueSpec {
  name: string;
  shape?: OnnxDim[] | null;
  elemType?: number;
}

export interface ModelSpec {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
  valueInfo?: ValueSpec[];
  opset?: number;
  irVersion?: number;
  metadata?: Record<string, string>;
}

export function encodeTensor(w: ProtoWriter, t: TensorSpec): void {
  const dt = t.dataType ?? DataType.FLOAT;
  w.packedInts(1, t.dims);
  w.int(2, dt);
  w.string(8, t.name);
  const as = t.as ?? 'raw';
  if (as === 'external') {
    const e = t.external!;
    const entry = (k: string, v: string) =>
      w.message(13, (m) => {
        m.string(1, k);
        m.string(2, v);
      });
    entry('location', e.location);
    if (e.offset !== undefined) entry('offset', String(e.offset));
    if (e.length !== undefined) entry('length', String(e.length));
    w.int(14, 1);
    return;
  }
  if (as === 'typed') {
    if (dt === DataType.FLOAT) w.packedFloats(4, t.data);
    else if (dt === DataType.INT64) w.packedInts(7, Array.from(t.data));
    else w.packedInts(5, Array.from(t.data));
    return;
  }
  w.bytes(9, rawBytes(t.data, dt));
}

export function rawBytes(data: ArrayLike<number>, dt: number = DataType.FLOAT): Uint8Array {
  if (dt === DataType.FLOAT) return new Uint8Array(Float32Array.from(data).buffer);
  if (dt === DataType.INT64)
    return new Uint8Array(BigInt64Array.from(Array.from(data), (x) => BigInt(x)).buffer);
  if (dt === DataType.INT32) return new Uint8Array(Int32Array.from(data).buffer);
  throw new Error(`builder: raw data of type ${dt} not supported`);
}

function encodeAttr(w: ProtoWriter, name: string, v: AttrValue): void {
  w.string(1, name);
  if ('i' in v) w.int(3, v.i).int(20, 2);
  else if ('f' in v) w.float(2, v.f).int(20, 1);
  else if ('ints' in v) w.packedInts(8, v.ints).int(20, 7);
  else if ('floats' in v) w.packedFloats(7, v.floats).int(20, 6);
  else if ('s' in v) w.string(4, v.s).int(20, 3);
  else {
    const t = v.t;
    w.message(5, (m) => encodeTensor(m, t)).int(20, 4);
  }
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, spec.irVersion ?? 8);
  w.string(2, 'cam-localize-tests');
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, spec.opset ?? 13);
  });
  w.message(7, (g) => {
    spec.nodes.forEach((n, idx) => {
      g.message(1, (m) => {
        for (const i of n.inputs) m.string(1, i);
        for (const o of n.outputs) m.string(2, o);
        m.string(3, n.name ?? `${n.op}_${idx}`);
        m.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) m.message(5, (a) => encodeAttr(a, k, v));
      });
    });
    g.string(2, 'tiny');
    for (const t of spec.initializers ?? []) g.message(5, (m) => encodeTensor(m, t));
    for (const i of spec.inputs) g.message(11, (m) => encodeValueInfo(m, { shape: null, ...i }));
    for (const o of spec.outputs) g.message(12, (m) => encodeValueInfo(m, { shape: null, ...o }));
    for (const v of spec.valueInfo ?? []) g.message(13, (m) => encodeValueInfo(m, { shape: null, ...v }));
  });
  for (const [k, v] of Object.entries(spec.metadata ?? {})) {
    w.message(14, (m) => {
      m.string(1, k);
      m.string(2, v);
    });
  }
  return w.finish();
}

/** Deterministic pseudo-random floats in [-1, 1) (the shared seeded generator). */
export function randomFloats(n: number, seed = 1): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

export type HeadPattern =
  | 'gemm'
  | 'gemm-transB0'
  | 'gemm-alpha-beta'
  | 'gemm-no-bias'
  | 'matmul-add'
  | 'reducemean'
  | 'reducemean-opset18'
  | 'averagepool'
  | 'averagepool-partial'
  | 'class-map'
  | 'class-map-softmax'
  | 'two-layer';

export const K = 4; // feature channels
export const C = 5; // classes
export const S = 6; // input / feature size (3x3 conv, pad 1)

/**
 * input [N,3,6,6] -> Conv 3x3 (K) -> Relu `features` -> <head> -> `logits`.
 * Class-map heads: Conv 1x1 (C) -> Relu `features` -> GAP -> Flatten -> logits.
 */
export function tinyModel(
  pattern: HeadPattern,
  opts: {
    batch?: number | string;
    opset?: number;
    irVersion?: number;
    /** A (Log)Softmax after the head: `logits` are then (log-)probabilities. */
    tail?: 'Softmax' | 'LogSoftmax';
  } = {},
): Uint8Array {
  const batch = opts.batch ?? 'N';
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [
    { name: 'conv.w', dims: [K, 3, 3, 3], data: randomFloats(K * 27, 3) },
    { name: 'conv.b', dims: [K], data: randomFloats(K, 4) },
  ];
  nodes.push({
    op: 'Conv',
    inputs: ['input', 'conv.w', 'conv.b'],
    outputs: ['conv'],
    attrs: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] } },
  });
  nodes.push({ op: 'Relu', inputs: ['conv'], outputs: ['features'] });
  const W = randomFloats(C * K, 5);
  const B = randomFloats(C, 6);
  const gap = () => {
    nodes.push({ op: 'GlobalAveragePool', inputs: ['features'], outputs: ['pooled'] });
    nodes.push({ op: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attrs: { axis: { i: 1 } } });
  };
  let opset = 13;
  switch (pattern) {
    case 'gemm':
    case 'gemm-alpha-beta':
    case 'gemm-no-bias':
      gap();
      inits.push({ name: 'fc.w', dims: [C, K], data: W });
      if (pattern !== 'gemm-no-bias') inits.push({ name: 'fc.b', dims: [C], data: B });
      nodes.push({
        op: 'Gemm',
        inputs: pattern === 'gemm-no-bias' ? ['flat', 'fc.w'] : ['flat', 'fc.w', 'fc.b'],
        outputs: ['logits'],
        attrs:
          pattern === 'gemm-alpha-beta'
            ? { transB: { i: 1 }, alpha: { f: 0.5 }, beta: { f: 2 } }
            : { transB: { i: 1 } },
      });
      break;
    case 'gemm-transB0': {
      gap();
      const wt = new Float32Array(K * C);
      for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) wt[k * C + c] = W[c * K + k]!;
      inits.push({ name: 'fc.w', dims: [K, C], data: wt }, { name: 'fc.b', dims: [C], data: B, as: 'typed' });
      nodes.push({ op: 'Gemm', inputs: ['flat', 'fc.w', 'fc.b'], outputs: ['logits'] });
      break;
    }
    case 'matmul-add': {
      gap();
      const wt = new Float32Array(K * C);
      for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) wt[k * C + c] = W[c * K + k]!;
      inits.push({ name: 'fc.w', dims: [K, C], data: wt }, { name: 'fc.b', dims: [C], data: B });
      nodes.push({ op: 'MatMul', inputs: ['flat', 'fc.w'], outputs: ['mm'] });
      nodes.push({ op: 'Add', inputs: ['fc.b', 'mm'], outputs: ['logits'] });
      break;
    }
    case 'reducemean':
    case 'reducemean-opset18':
      inits.push({ name: 'fc.w', dims: [C, K], data: W }, { name: 'fc.b', dims: [C], data: B });
      if (pattern === 'reducemean') {
        nodes.push({
          op: 'ReduceMean',
          inputs: ['features'],
          outputs: ['flat'],
          attrs: { axes: { ints: [2, 3] }, keepdims: { i: 0 } },
        });
      } else {
        opset = 18;
        inits.push({ name: 'axes', dims: [2], data: [-1, -2], dataType: DataType.INT64 });
        nodes.push({
          op: 'ReduceMean',
          inputs: ['features', 'axes'],
          outputs: ['pooled'],
          attrs: { keepdims: { i: 1 } },
        });
        nodes.push({ op: 'Flatten', inputs: ['pooled'], outputs: ['flat'] });
      }
      nodes.push({
        op: 'Gemm',
        inputs: ['flat', 'fc.w', 'fc.b'],
        outputs: ['logits'],
        attrs: { transB: { i: 1 } },
      });
      break;
    case 'averagepool':
    case 'averagepool-partial': {
      const k = pattern === 'averagepool' ? S : 2;
      nodes.push({
        op: 'AveragePool',
        inputs: ['features'],
        outputs: ['pooled'],
        attrs: { kernel_shape: { ints: [k, k] } },
      });
      nodes.push({ op: 'Flatten', inputs: ['pooled'], outputs: ['flat'] });
      inits.push({ name: 'fc.w', dims: [C, K], data: W }, { name: 'fc.b', dims: [C], data: B });
      nodes.push({
        op: 'Gemm',
        inputs: ['flat', 'fc.w', 'fc.b'],
        outputs: ['logits'],
        attrs: { transB: { i: 1 } },
      });
      break;
    }
    case 'class-map':
    case 'class-map-softmax': {
      // rebuild: conv features -> Conv1x1 to C -> Relu = class maps
      nodes.pop();
      nodes.push({ op: 'Relu', inputs: ['conv'], outputs: ['body'] });
      inits.push({ name: 'cls.w', dims: [C, K, 1, 1], data: W }, { name: 'cls.b', dims: [C], data: B });
      nodes.push({
        op: 'Conv',
        inputs: ['body', 'cls.w', 'cls.b'],
        outputs: ['cls'],
        attrs: { kernel_shape: { ints: [1, 1] } },
      });
      nodes.push({ op: 'Relu', inputs: ['cls'], outputs: ['features'] });
      nodes.push({ op: 'GlobalAveragePool', inputs: ['features'], outputs: ['pooled'] });
      if (pattern === 'class-map') nodes.push({ op: 'Flatten', inputs: ['pooled'], outputs: ['logits'] });
      else {
        nodes.push({ op: 'Flatten', inputs: ['pooled'], outputs: ['flat'] });
        nodes.push({ op: 'Softmax', inputs: ['flat'], outputs: ['logits'], attrs: { axis: { i: 1 } } });
      }
      break;
    }
    case 'two-layer':
      gap();
      inits.push(
        { name: 'fc1.w', dims: [K, K], data: randomFloats(K * K, 8) },
        { name: 'fc2.w', dims: [C, K], data: W },
        { name: 'fc2.b', dims: [C], data: B },
      );
      nodes.push({ op: 'Gemm', inputs: ['flat', 'fc1.w'], outputs: ['h'], attrs: { transB: { i: 1 } } });
      nodes.push({ op: 'Relu', inputs: ['h'], outputs: ['h_act'], name: 'head_relu' });
      nodes.push({
        op: 'Gemm',
        inputs: ['h_act', 'fc2.w', 'fc2.b'],
        outputs: ['logits'],
        attrs: { transB: { i: 1 } },
      });
      break;
  }
  if (opts.tail !== undefined) {
    nodes.at(-1)!.outputs = ['head_out'];
    nodes.push({ op: opts.tail, inputs: ['head_out'], outputs: ['logits'], attrs: { axis: { i: 1 } } });
  }
  return buildModel({
    inputs: [{ name: 'input', shape: [batch, 3, S, S] }],
    outputs: [{ name: 'logits', shape: [batch, C] }],
    nodes,
    initializers: inits,
    opset: opts.opset ?? opset,
    ...(opts.irVersion === undefined ? {} : { irVersion: opts.irVersion }),
  });
}

/** The reference W [C*K] (row-major) and bias used by tinyModel. */
export function tinyWeights(): { W: Float32Array; B: Float32Array } {
  return { W: randomFloats(C * K, 5), B: randomFloats(C, 6) };
}
