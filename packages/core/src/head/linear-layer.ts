/**
 * The linear classifier of a CAM head, read from the graph: a Gemm, or a MatMul (+ Add) with a
 * constant weight, as class weights [C,K] and a bias [C] in the orientation the CAM needs
 * (transposes and the Gemm's alpha/beta folded in). detect.ts walks to it from the scores.
 */
import { describeNode, type OnnxModel, type OnnxNode, type OnnxTensor } from '../onnx/schema.js';
import { constant, Fail } from './graph.js';

export interface Linear {
  node: OnnxNode;
  input: string;
  weights: Float32Array;
  bias: Float32Array | null;
  numClasses: number;
  channels: number;
  ops: string[];
}

function attrInt(n: OnnxNode, name: string, dflt: number): number {
  return n.attributes.get(name)?.i ?? dflt;
}
function attrFloat(n: OnnxNode, name: string, dflt: number): number {
  return n.attributes.get(name)?.f ?? dflt;
}

/** Bias of `size` classes from a constant broadcastable to [C] ([C], [1,C], scalar), times `scale`. */
function biasVector(t: OnnxTensor, size: number, scale: number, where: string): Float32Array {
  const v = t.floats();
  const out = new Float32Array(size);
  if (v.length === size) for (let i = 0; i < size; i++) out[i] = v[i]! * scale;
  else if (v.length === 1) out.fill(v[0]! * scale);
  else throw new Fail(`${where}: bias '${t.name}' has ${v.length} values, expected ${size} or 1`);
  return out;
}

function parseGemm(model: OnnxModel, n: OnnxNode): Linear | undefined {
  const b = constant(model, n.inputs[1]);
  if (b === undefined || b.dims.length !== 2) return undefined;
  if (attrInt(n, 'transA', 0) !== 0) {
    throw new Fail(`${describeNode(n)} has transA=1: the pooled features must be its first operand as [N,K]`);
  }
  const transB = attrInt(n, 'transB', 0) !== 0;
  const alpha = attrFloat(n, 'alpha', 1);
  const beta = attrFloat(n, 'beta', 1);
  const [d0, d1] = b.dims as [number, number];
  const numClasses = transB ? d0 : d1;
  const channels = transB ? d1 : d0;
  const raw = b.floats();
  const w = new Float32Array(numClasses * channels);
  if (transB) for (let i = 0; i < w.length; i++) w[i] = raw[i]! * alpha;
  else
    for (let k = 0; k < channels; k++)
      for (let c = 0; c < numClasses; c++) w[c * channels + k] = raw[k * numClasses + c]! * alpha;
  const cT = constant(model, n.inputs[2]);
  if (n.inputs[2] !== undefined && n.inputs[2] !== '' && cT === undefined) return undefined;
  const bias = cT === undefined ? null : biasVector(cT, numClasses, beta, describeNode(n));
  return { node: n, input: n.inputs[0]!, weights: w, bias, numClasses, channels, ops: ['Gemm'] };
}

function parseMatMul(model: OnnxModel, n: OnnxNode, add: OnnxNode | undefined): Linear | undefined {
  const b = constant(model, n.inputs[1]);
  if (b === undefined || b.dims.length !== 2) return undefined;
  const [channels, numClasses] = b.dims as [number, number];
  const raw = b.floats();
  const w = new Float32Array(numClasses * channels);
  for (let k = 0; k < channels; k++)
    for (let c = 0; c < numClasses; c++) w[c * channels + k] = raw[k * numClasses + c]!;
  let bias: Float32Array | null = null;
  if (add !== undefined) {
    const other = add.inputs[0] === n.outputs[0] ? add.inputs[1] : add.inputs[0];
    const t = constant(model, other);
    if (t === undefined) return undefined;
    bias = biasVector(t, numClasses, 1, describeNode(add));
  }
  return {
    node: n,
    input: n.inputs[0]!,
    weights: w,
    bias,
    numClasses,
    channels,
    ops: add === undefined ? ['MatMul'] : ['MatMul', 'Add'],
  };
}

/** The linear layer producing `name`, if the producer is one. */
export function linearAt(model: OnnxModel, node: OnnxNode): Linear | undefined {
  if (node.opType === 'Gemm') return parseGemm(model, node);
  if (node.opType === 'MatMul') return parseMatMul(model, node, undefined);
  if (node.opType === 'Add') {
    for (const i of node.inputs) {
      const p = model.producer(i);
      if (p?.opType === 'MatMul') return parseMatMul(model, p, node);
    }
  }
  return undefined;
}
