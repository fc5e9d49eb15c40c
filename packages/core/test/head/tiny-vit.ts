/**
 * A tiny ViT-like model built in code, and its slow twin: the same forward pass written out in
 * plain loops, so the token plumbing (detection, [T,C] -> [C,h,w], forward passes of the masked
 * inputs) is checked against numbers computed without onnxruntime.
 *
 * input [N,3,12,12] -> Conv 4x4 stride 4 (patch embedding, C=6) -> Reshape [N,6,9] ->
 * Transpose [N,9,6] -> class token = mean of the patches (ReduceMean axis 1) -> Concat [N,10,6] ->
 * block: x + Relu(x M + m) (MatMul, Add) `tokens` -> Gather(axis 1, index 0) -> Gemm -> `logits`.
 */
import { DataType } from '../../src/onnx/schema.js';
import { buildModel, randomFloats } from '../onnx/builder.js';

export const VIT = { size: 12, patch: 4, grid: 3, channels: 6, classes: 5, tokens: 10 } as const;

const conv = { w: randomFloats(6 * 3 * 16, 11), b: randomFloats(6, 12) };
const block = { m: randomFloats(36, 13), b: randomFloats(6, 14) };
const head = { w: randomFloats(5 * 6, 15), b: randomFloats(5, 16) };

/** The model; `softmax` ends it in a Softmax whose output `probs` is the graph's only output. */
export function tinyVit(options: { softmax?: boolean } = {}): Uint8Array {
  const { channels: C, classes } = VIT;
  const softmax = options.softmax === true;
  return buildModel({
    inputs: [{ name: 'input', shape: ['N', 3, VIT.size, VIT.size] }],
    outputs: [{ name: softmax ? 'probs' : 'logits', shape: ['N', classes] }],
    initializers: [
      { name: 'conv.w', dims: [C, 3, 4, 4], data: conv.w },
      { name: 'conv.b', dims: [C], data: conv.b },
      { name: 'shape', dims: [3], data: [0, C, -1], dataType: DataType.INT64 },
      { name: 'block.m', dims: [C, C], data: block.m },
      { name: 'block.b', dims: [C], data: block.b },
      { name: 'cls.index', dims: [], data: [0], dataType: DataType.INT64 },
      { name: 'head.w', dims: [classes, C], data: head.w },
      { name: 'head.b', dims: [classes], data: head.b },
    ],
    nodes: [
      {
        op: 'Conv',
        inputs: ['input', 'conv.w', 'conv.b'],
        outputs: ['patches.map'],
        attrs: { kernel_shape: { ints: [4, 4] }, strides: { ints: [4, 4] } },
      },
      { op: 'Reshape', inputs: ['patches.map', 'shape'], outputs: ['patches.flat'] },
      {
        op: 'Transpose',
        inputs: ['patches.flat'],
        outputs: ['patches'],
        attrs: { perm: { ints: [0, 2, 1] } },
      },
      {
        op: 'ReduceMean',
        inputs: ['patches'],
        outputs: ['cls'],
        attrs: { axes: { ints: [1] }, keepdims: { i: 1 } },
      },
      { op: 'Concat', inputs: ['cls', 'patches'], outputs: ['sequence'], attrs: { axis: { i: 1 } } },
      { op: 'MatMul', inputs: ['sequence', 'block.m'], outputs: ['block.mm'] },
      { op: 'Add', inputs: ['block.mm', 'block.b'], outputs: ['block.pre'] },
      { op: 'Relu', inputs: ['block.pre'], outputs: ['block.act'] },
      { op: 'Add', inputs: ['sequence', 'block.act'], outputs: ['tokens'] },
      { op: 'Gather', inputs: ['tokens', 'cls.index'], outputs: ['cls.out'], attrs: { axis: { i: 1 } } },
      {
        op: 'Gemm',
        inputs: ['cls.out', 'head.w', 'head.b'],
        outputs: ['logits'],
        attrs: { transB: { i: 1 } },
      },
      ...(softmax
        ? [{ op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attrs: { axis: { i: 1 } } }]
        : []),
    ],
  });
}

/** A channel zeroed in every token of `sequence` or of `tokens` (Ablation-CAM's ablation). */
export interface TwinAblation {
  readonly tensor: 'sequence' | 'block.act' | 'tokens';
  readonly channel: number;
}

/**
 * The twin's forward pass of one input [3,12,12]: the block's input `sequence`, its branch
 * `block.act` (which the residual goes around) and its output `tokens` [10*6] (token-major), and
 * the logits [5]; with `ablate`, that channel of that tensor is zeroed before the rest runs (and
 * is zero in what is returned).
 */
export function tinyVitForward(
  input: Float32Array,
  ablate?: TwinAblation,
): { sequence: Float64Array; 'block.act': Float64Array; tokens: Float64Array; logits: Float64Array } {
  const { size, patch, grid, channels: C, classes, tokens: T } = VIT;
  const sequence = new Float64Array(T * C);
  for (let i = 0; i < grid; i++)
    for (let j = 0; j < grid; j++)
      for (let o = 0; o < C; o++) {
        let sum = conv.b[o]!;
        for (let c = 0; c < 3; c++)
          for (let y = 0; y < patch; y++)
            for (let x = 0; x < patch; x++)
              sum +=
                conv.w[((o * 3 + c) * patch + y) * patch + x]! *
                input[(c * size + i * patch + y) * size + j * patch + x]!;
        sequence[(1 + i * grid + j) * C + o] = sum;
      }
  for (let o = 0; o < C; o++) {
    let mean = 0;
    for (let p = 1; p < T; p++) mean += sequence[p * C + o]!;
    sequence[o] = mean / (T - 1);
  }
  if (ablate?.tensor === 'sequence') for (let t = 0; t < T; t++) sequence[t * C + ablate.channel] = 0;
  const tokens = new Float64Array(T * C);
  const act = new Float64Array(T * C);
  for (let t = 0; t < T; t++)
    for (let j = 0; j < C; j++) {
      let pre = block.b[j]!;
      for (let i = 0; i < C; i++) pre += sequence[t * C + i]! * block.m[i * C + j]!;
      act[t * C + j] = ablate?.tensor === 'block.act' && ablate.channel === j ? 0 : Math.max(0, pre);
      tokens[t * C + j] = sequence[t * C + j]! + act[t * C + j]!;
    }
  if (ablate?.tensor === 'tokens') for (let t = 0; t < T; t++) tokens[t * C + ablate.channel] = 0;
  const logits = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    let sum = head.b[c]!;
    for (let k = 0; k < C; k++) sum += head.w[c * C + k]! * tokens[k]!;
    logits[c] = sum;
  }
  return { sequence, 'block.act': act, tokens, logits };
}
