/**
 * Every differentiation rule against central finite differences of the forward pass (the slow
 * twin in finite-difference.ts), on small random inputs through a real onnxruntime session.
 */
import { describe, expect, it } from 'vitest';
import { GRADIENT_RULES } from '../../src/grad/rules/index.js';
import { DataType } from '../../src/onnx/schema.js';
import { type NodeSpec, randomFloats, type TensorSpec } from '../onnx/builder.js';
import { checkRule, type RuleCase } from './finite-difference.js';

const f = (name: string, dims: number[], seed = 3): TensorSpec => ({
  name,
  dims,
  data: randomFloats(
    dims.reduce((a, b) => a * b, 1),
    seed,
  ),
});
const i64 = (name: string, data: number[]): TensorSpec => ({
  name,
  dims: [data.length],
  data,
  dataType: DataType.INT64,
});
const n = (op: string, inputs: string[], outputs: string[], attrs: NodeSpec['attrs'] = {}): NodeSpec => ({
  op,
  inputs,
  outputs,
  attrs,
});
const ints = (v: number[]) => ({ ints: v });

const NCHW = [2, 3, 4, 4];

/** Cases by name: each exercises one rule (or one form of it); the op under test is named first. */
const CASES: Record<string, RuleCase> = {
  'Conv 3x3 pad 1': {
    input: NCHW,
    nodes: [n('Conv', ['x', 'w'], ['y'], { pads: ints([1, 1, 1, 1]) })],
    initializers: [f('w', [4, 3, 3, 3])],
  },
  'Conv stride 2, pad 1, dilation 2, bias': {
    input: [2, 2, 7, 7],
    nodes: [
      n('Conv', ['x', 'w', 'b'], ['y'], {
        strides: ints([2, 2]),
        pads: ints([1, 2, 1, 0]),
        dilations: ints([2, 1]),
      }),
    ],
    initializers: [f('w', [3, 2, 3, 3]), f('b', [3], 4)],
  },
  'Conv groups 2': {
    input: [2, 4, 5, 5],
    nodes: [n('Conv', ['x', 'w'], ['y'], { group: { i: 2 }, pads: ints([1, 1, 1, 1]) })],
    initializers: [f('w', [6, 2, 3, 3])],
  },
  'Conv depthwise, stride 2, auto_pad SAME_UPPER': {
    input: [2, 3, 6, 6],
    nodes: [
      n('Conv', ['x', 'w'], ['y'], { group: { i: 3 }, strides: ints([2, 2]), auto_pad: { s: 'SAME_UPPER' } }),
    ],
    initializers: [f('w', [3, 1, 3, 3])],
  },
  'Gemm transB': {
    input: [2, 6],
    nodes: [n('Gemm', ['x', 'w', 'b'], ['y'], { transB: { i: 1 }, alpha: { f: 0.5 }, beta: { f: 2 } })],
    initializers: [f('w', [4, 6]), f('b', [4], 4)],
  },
  'Gemm, x as B (transA, transB)': {
    input: [2, 3],
    nodes: [
      n('Gemm', ['w', 'x'], ['yt'], { transA: { i: 1 }, transB: { i: 1 } }),
      n('Transpose', ['yt'], ['y']),
    ],
    initializers: [f('w', [3, 4])],
  },
  'MatMul batched with a broadcast weight': {
    input: [2, 3, 4],
    nodes: [n('MatMul', ['x', 'w'], ['y'])],
    initializers: [f('w', [4, 5])],
  },
  'MatMul of x with itself transposed (attention scores)': {
    input: [2, 2, 3, 4],
    nodes: [n('Transpose', ['x'], ['xt'], { perm: ints([0, 1, 3, 2]) }), n('MatMul', ['x', 'xt'], ['y'])],
  },
  'MatMul broadcast over a batch axis of size 1': {
    input: [2, 3, 4],
    nodes: [n('Unsqueeze', ['x', 'one'], ['xu']), n('MatMul', ['xu', 'w'], ['y'])],
    initializers: [f('w', [1, 2, 4, 3]), i64('one', [1])],
  },
  'Add, Sub, Mul, Div with broadcasting (both sides on the path)': {
    input: NCHW,
    nodes: [
      n('ReduceMean', ['x'], ['m'], { axes: ints([2, 3]) }),
      n('Add', ['x', 'm'], ['a']),
      n('Sub', ['m', 'a'], ['s']),
      n('Mul', ['s', 'x'], ['p']),
      n('Sigmoid', ['m'], ['sm']),
      n('Add', ['sm', 'one'], ['den']),
      n('Div', ['p', 'den'], ['q']),
      n('Div', ['bias', 'den'], ['r']),
      n('Add', ['q', 'r'], ['y']),
    ],
    initializers: [{ name: 'one', dims: [], data: [1] }, f('bias', [3, 1, 1], 6)],
  },
  Relu: { input: NCHW, nodes: [n('Relu', ['x'], ['y'])], awayFromZero: 0.05 },
  'Clip (opset 13 inputs)': {
    input: NCHW,
    nodes: [n('Clip', ['x', 'lo', 'hi'], ['y'])],
    initializers: [
      { name: 'lo', dims: [], data: [-0.5] },
      { name: 'hi', dims: [], data: [0.6] },
    ],
    awayFromZero: 0.02,
  },
  'Clip (opset 6 attributes)': {
    input: NCHW,
    nodes: [n('Clip', ['x'], ['y'], { min: { f: -0.5 }, max: { f: 0.6 } })],
    opset: 10,
    awayFromZero: 0.02,
  },
  HardSigmoid: {
    input: NCHW,
    nodes: [n('HardSigmoid', ['x'], ['y'], { alpha: { f: 0.4 }, beta: { f: 0.5 } })],
    scale: 3,
  },
  HardSwish: { input: NCHW, nodes: [n('HardSwish', ['x'], ['y'])], scale: 4, awayFromZero: 0.1 },
  'Sigmoid and the SiLU Mul': {
    input: NCHW,
    nodes: [n('Sigmoid', ['x'], ['s']), n('Mul', ['x', 's'], ['y'])],
  },
  'Erf (GELU)': {
    input: NCHW,
    nodes: [n('Erf', ['x'], ['e']), n('Mul', ['x', 'e'], ['y'])],
  },
  'Softmax (last axis)': { input: [2, 3, 5], nodes: [n('Softmax', ['x'], ['y'])], scale: 2 },
  'Softmax (opset 11, 2-D coercion)': {
    input: [2, 3, 4],
    nodes: [n('Softmax', ['x'], ['y'], { axis: { i: 1 } })],
    opset: 11,
  },
  LayerNormalization: {
    input: [2, 5, 6],
    nodes: [n('LayerNormalization', ['x', 'g', 'b'], ['y'])],
    initializers: [f('g', [6]), f('b', [6], 5)],
  },
  'LayerNorm decomposed (ReduceMean, Sub, Pow, Sqrt, Div)': {
    input: [2, 5, 6],
    opset: 14,
    nodes: [
      n('ReduceMean', ['x'], ['mu'], { axes: ints([-1]) }),
      n('Sub', ['x', 'mu'], ['c']),
      n('Pow', ['c', 'two'], ['c2']),
      n('ReduceMean', ['c2'], ['var'], { axes: ints([-1]) }),
      n('Add', ['var', 'eps'], ['ve']),
      n('Sqrt', ['ve'], ['sd']),
      n('Div', ['c', 'sd'], ['y']),
    ],
    initializers: [
      { name: 'two', dims: [], data: [2] },
      { name: 'eps', dims: [], data: [1e-5] },
    ],
  },
  'BatchNormalization (inference)': {
    input: NCHW,
    nodes: [n('BatchNormalization', ['x', 'g', 'b', 'mean', 'var'], ['y'])],
    initializers: [
      f('g', [3]),
      f('b', [3], 4),
      f('mean', [3], 5),
      { name: 'var', dims: [3], data: [0.5, 1.5, 2] },
    ],
  },
  GlobalAveragePool: { input: NCHW, nodes: [n('GlobalAveragePool', ['x'], ['y'])] },
  'ReduceMean keepdims 0 (opset 18 axes input)': {
    input: NCHW,
    opset: 18,
    nodes: [n('ReduceMean', ['x', 'axes'], ['y'], { keepdims: { i: 0 } })],
    initializers: [i64('axes', [1, 3])],
  },
  'AveragePool 3x3 stride 2, pads not counted': {
    input: [2, 2, 5, 5],
    nodes: [
      n('AveragePool', ['x'], ['y'], {
        kernel_shape: ints([3, 3]),
        strides: ints([2, 2]),
        pads: ints([1, 1, 1, 1]),
      }),
    ],
  },
  'AveragePool 2x2, ceil mode, pads counted': {
    input: [2, 2, 5, 5],
    nodes: [
      n('AveragePool', ['x'], ['y'], {
        kernel_shape: ints([2, 2]),
        strides: ints([2, 2]),
        ceil_mode: { i: 1 },
        count_include_pad: { i: 1 },
      }),
    ],
  },
  'MaxPool 3x3 stride 2 pad 1 (overlapping windows)': {
    input: [2, 2, 6, 6],
    nodes: [
      n('MaxPool', ['x'], ['y'], {
        kernel_shape: ints([3, 3]),
        strides: ints([2, 2]),
        pads: ints([1, 1, 1, 1]),
      }),
    ],
    distinct: true,
  },
  'MaxPool 2x2 stride 2 (opset 13)': {
    input: [2, 2, 4, 4],
    opset: 13,
    nodes: [n('MaxPool', ['x'], ['y'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) })],
    distinct: true,
  },
  'Flatten, Reshape, Transpose': {
    input: NCHW,
    nodes: [
      n('Transpose', ['x'], ['t'], { perm: ints([0, 2, 3, 1]) }),
      n('Reshape', ['t', 'shape'], ['r']),
      n('Sigmoid', ['r'], ['s']),
      n('Flatten', ['s'], ['y'], { axis: { i: 1 } }),
    ],
    initializers: [i64('shape', [0, 16, 3])],
  },
  'Slice (steps 1 and 2, negative ends)': {
    input: [2, 3, 6, 5],
    nodes: [n('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['y'])],
    initializers: [
      i64('starts', [1, 0, 4]),
      i64('ends', [3, -1, 0]),
      i64('axes', [1, 2, 3]),
      i64('steps', [1, 2, -2]),
    ],
  },
  'Gather (class token: a scalar index)': {
    input: [2, 5, 4],
    nodes: [n('Gather', ['x', 'zero'], ['y'], { axis: { i: 1 } })],
    initializers: [{ name: 'zero', dims: [], data: [0], dataType: DataType.INT64 }],
  },
  'Gather (repeated and negative indices, 2-D)': {
    input: [2, 5, 3],
    nodes: [n('Gather', ['x', 'idx'], ['y'], { axis: { i: 1 } })],
    initializers: [{ name: 'idx', dims: [2, 2], data: [1, -1, 1, 2], dataType: DataType.INT64 }],
  },
  'Concat and Split': {
    input: NCHW,
    nodes: [
      n('Sigmoid', ['x'], ['s']),
      n('Concat', ['x', 's'], ['cat'], { axis: { i: 1 } }),
      n('Split', ['cat', 'sizes'], ['p0', 'p1', 'p2'], { axis: { i: 1 } }),
      n('Mul', ['p0', 'p2'], ['y']),
    ],
    initializers: [i64('sizes', [2, 2, 2])],
  },
  'Squeeze, Unsqueeze, Expand': {
    input: [2, 3, 1, 4],
    nodes: [
      n('Squeeze', ['x', 'two'], ['s']),
      n('Unsqueeze', ['s', 'one'], ['u']),
      n('Expand', ['u', 'shape'], ['y']),
    ],
    initializers: [i64('two', [2]), i64('one', [1]), i64('shape', [1, 5, 3, 4])],
  },
  'Pad (constant, and a crop)': {
    input: NCHW,
    nodes: [n('Pad', ['x', 'pads'], ['y'])],
    initializers: [i64('pads', [0, 1, 2, -1, 0, 0, -1, 1])],
  },
  'Where, Identity, Dropout, Cast': {
    input: NCHW,
    nodes: [
      n('Greater', ['x', 'zero'], ['positive']),
      n('Mul', ['x', 'three'], ['x3']),
      n('Where', ['positive', 'x', 'x3'], ['w']),
      n('Identity', ['w'], ['i']),
      n('Dropout', ['i'], ['d']),
      n('Cast', ['d'], ['y'], { to: { i: DataType.FLOAT } }),
    ],
    initializers: [
      { name: 'zero', dims: [], data: [0] },
      { name: 'three', dims: [], data: [3] },
    ],
    awayFromZero: 0.05,
  },
  'Neg, Exp, Log, Reciprocal, Tanh': {
    input: NCHW,
    nodes: [
      n('Neg', ['x'], ['a']),
      n('Exp', ['a'], ['b']),
      n('Log', ['b'], ['c']),
      n('Tanh', ['c'], ['d']),
      n('Add', ['d', 'two'], ['e']),
      n('Reciprocal', ['e'], ['y']),
    ],
    initializers: [{ name: 'two', dims: [], data: [2] }],
  },
  'LeakyRelu, Softplus': {
    input: NCHW,
    nodes: [n('LeakyRelu', ['x'], ['a'], { alpha: { f: 0.1 } }), n('Softplus', ['a'], ['y'])],
    awayFromZero: 0.05,
  },
  'GlobalMaxPool, ReduceSum (opset 13 axes input), LogSoftmax': {
    input: NCHW,
    nodes: [
      n('GlobalMaxPool', ['x'], ['g']),
      n('ReduceSum', ['x', 'axes'], ['r'], { keepdims: { i: 1 } }),
      n('Mul', ['g', 'r'], ['m']),
      n('LogSoftmax', ['m'], ['y'], { axis: { i: 1 } }),
    ],
    initializers: [i64('axes', [2])],
    distinct: true,
  },
};

describe('differentiation rules against finite differences', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const { maxError, maxGradient } = await checkRule(c);
      expect(maxGradient).toBeGreaterThan(1e-3);
      expect(maxError).toBeLessThan(2e-3 * Math.max(1, maxGradient));
    });
  }

  it('covers every op the table has a rule for', () => {
    const tested = new Set(Object.values(CASES).flatMap((c) => c.nodes.map((node) => node.op)));
    const untested = Object.keys(GRADIENT_RULES).filter((op) => !tested.has(op));
    expect(untested).toEqual([]);
  });
});
