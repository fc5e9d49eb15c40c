/**
 * CAM-head detection by graph structure, never by names. From each class-score output the walk goes
 * back through an optional final Softmax, the linear layer (Gemm, or MatMul(+Add) with a constant
 * weight), shape-only ops (Flatten/Reshape/Squeeze/Dropout/Identity), to a global average
 * (GlobalAveragePool, ReduceMean over H,W, or an AveragePool whose kernel covers the map).
 * Class-map heads (SqueezeNet): Conv 1x1 to C channels (optionally Relu) -> global average.
 * Transformers (a class-token Gather before the classifier, or token options given): tokens.ts.
 *
 * `detectCamHead` (about 170 lines) stays whole: one detection algorithm, the overrides checked,
 * the candidates walked from every score output, the best chosen and the message built from the
 * same walk; its steps are already helpers (poolAt, linearAt, upstreamPool).
 */
import { HeadNotFoundError } from '../errors.js';
import { describeNode, type OnnxModel, type OnnxNode } from '../onnx/schema.js';
import { constant, Fail, skipPassthrough } from './graph.js';
import { type Linear, linearAt } from './linear-layer.js';
import { inferShapes, type StaticShape } from './shapes.js';
import { detectTokenHead } from './tokens.js';
import type { CamHead, HeadOverrides } from './types.js';

export type { CamHead, HeadOverrides } from './types.js';

const OVERRIDE_HINT =
  'point the tool at a feature tensor and a linear classifier by name: `featureTensor: <tensor [N,K,h,w]>` ' +
  '`classifierWeights: <initializer [C,K]>` [`classifierBias: <initializer [C]>`]; ' +
  '`cam-localize inspect` lists what was found';

interface Pool {
  node: OnnxNode;
  feature: string;
  /** AveragePool kernel, to be checked against the feature map size. */
  kernel?: readonly number[];
}

function poolAt(model: OnnxModel, node: OnnxNode, rank4: (name: string) => boolean): Pool | undefined {
  const x = node.inputs[0]!;
  if (node.opType === 'GlobalAveragePool') return { node, feature: x };
  if (node.opType === 'ReduceMean') {
    let axes: readonly number[] | undefined = node.attributes.get('axes')?.ints;
    if (axes === undefined && node.inputs[1] !== undefined && node.inputs[1] !== '') {
      const t = constant(model, node.inputs[1]);
      if (t === undefined) return undefined;
      axes = t.ints();
    }
    if (axes === undefined) return undefined; // all axes: not a spatial average
    const norm = [...new Set(axes.map((a) => (a < 0 ? a + 4 : a)))].sort();
    if (norm.length === 2 && norm[0] === 2 && norm[1] === 3 && rank4(x)) return { node, feature: x };
    return undefined;
  }
  if (node.opType === 'AveragePool') {
    const kernel = node.attributes.get('kernel_shape')?.ints;
    const pads = node.attributes.get('pads')?.ints ?? [0, 0, 0, 0];
    const autoPad = node.attributes.get('auto_pad')?.s ?? 'NOTSET';
    if (kernel === undefined || kernel.length !== 2 || pads.some((p) => p !== 0)) return undefined;
    if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return undefined;
    return { node, feature: x, kernel };
  }
  return undefined;
}

function describeNonLinear(model: OnnxModel, n: OnnxNode): string {
  if (n.opType === 'Mul') {
    const acts = n.inputs.map((i) => model.producer(i)?.opType);
    if (acts.includes('HardSigmoid')) return `HardSwish (HardSigmoid * Mul) ${describeNode(n)}`;
    if (acts.includes('Sigmoid')) return `SiLU (Sigmoid * Mul) ${describeNode(n)}`;
  }
  return describeNode(n);
}

/** Walks upstream along first inputs looking for a global pooling node, for messages. */
function upstreamPool(model: OnnxModel, from: string, limit = 12): OnnxNode | undefined {
  let node = model.producer(from);
  for (let i = 0; i < limit && node !== undefined; i++) {
    if (
      node.opType === 'GlobalAveragePool' ||
      node.opType === 'ReduceMean' ||
      node.opType === 'AveragePool'
    ) {
      return node;
    }
    const next = node.inputs.find((x) => model.producer(x) !== undefined);
    node = next === undefined ? undefined : model.producer(next);
  }
  return undefined;
}

interface Candidate {
  kind: 'gap-linear' | 'class-map';
  feature: string;
  pool: Pool;
  linear?: Linear;
  classMapChannels?: number;
  scoreTensor: string;
  path: string[];
  softmax: boolean;
}

function fromOutput(model: OnnxModel, output: string, rank4: (n: string) => boolean): Candidate {
  const tail: string[] = [];
  let name = output;
  let node = model.producer(name);
  if (node === undefined) throw new Fail(`output '${output}' is not produced by any node`);
  let softmax = false;
  if (node.opType === 'Softmax' || node.opType === 'LogSoftmax') {
    softmax = true;
    tail.unshift(node.opType);
    name = node.inputs[0]!;
  }
  [name, node] = skipPassthrough(model, name, tail);
  if (node === undefined) throw new Fail(`'${name}' before output '${output}' has no producer`);
  const linear = linearAt(model, node);
  if (linear !== undefined) {
    const ops = [...linear.ops, ...tail];
    let [x, pn] = skipPassthrough(model, linear.input, ops);
    if (pn === undefined)
      throw new Fail(`the input of ${describeNode(linear.node)} is not computed in the graph`);
    const pool = poolAt(model, pn, rank4);
    if (pool === undefined) {
      const pooled = upstreamPool(model, x);
      if (pooled !== undefined) {
        throw new Fail(
          `no linear path from the pooled feature map to the class scores '${output}': ${describeNonLinear(model, pn)} ` +
            `sits between ${describeNode(pooled)} and ${describeNode(linear.node)} (a multi-layer, non-linear head); plain CAM does not apply`,
        );
      }
      throw new Fail(
        `${describeNode(linear.node)} feeding '${output}' is not preceded by a global average pooling ` +
          `(found ${describeNonLinear(model, pn)})`,
      );
    }
    x = pool.feature;
    return {
      kind: 'gap-linear',
      feature: x,
      pool,
      linear,
      scoreTensor: output,
      path: [pn.opType, ...ops],
      softmax,
    };
  }
  const pool = poolAt(model, node, rank4);
  if (pool !== undefined) {
    // class-map head: [Conv 1x1 -> (Relu)] -> global average
    const path = [node.opType, ...tail];
    let p = model.producer(pool.feature);
    if (p?.opType === 'Relu') {
      path.unshift('Relu');
      p = model.producer(p.inputs[0]!);
    }
    const w = p?.opType === 'Conv' ? constant(model, p.inputs[1]) : undefined;
    if (
      p === undefined ||
      w === undefined ||
      w.dims.length !== 4 ||
      w.dims[2] !== 1 ||
      w.dims[3] !== 1 ||
      (p.attributes.get('group')?.i ?? 1) !== 1
    ) {
      throw new Fail(
        `'${output}' is a global average of '${pool.feature}' with no linear classifier after it and no 1x1 class-map convolution before it` +
          (p === undefined ? '' : ` (found ${describeNonLinear(model, p)})`),
      );
    }
    path.unshift('Conv');
    return {
      kind: 'class-map',
      feature: pool.feature,
      pool,
      classMapChannels: w.dims[0]!,
      scoreTensor: output,
      path,
      softmax,
    };
  }
  // Something non-linear right before the scores: if a linear layer and a pooling are upstream, name it.
  const pooled = upstreamPool(model, name);
  if (pooled !== undefined) {
    throw new Fail(
      `no linear path from the pooled feature map to the class scores '${output}': ${describeNonLinear(model, node)} ` +
        `sits between ${describeNode(pooled)} and the scores; plain CAM does not apply`,
    );
  }
  throw new Fail(`no global average pooling found before '${output}' (last node ${describeNode(node)})`);
}

async function probe(model: OnnxModel, tensor: string): Promise<StaticShape> {
  const { probeTensorShape } = await import('../runtime/tensor-shape-probe.js');
  return probeTensorShape(model, tensor);
}

/** What the steps of {@link detectCamHead} share: the model, its inferred shapes and how to fail. */
interface Detection {
  readonly model: OnnxModel;
  readonly shapes: Map<string, StaticShape>;
  /** Whether shapes the graph leaves open may be found by running the model. */
  readonly probe: boolean;
  readonly err: (message: string, hint?: string) => HeadNotFoundError;
}

/** Detects the CAM head of a model (or builds it from explicit overrides). */
export async function detectCamHead(model: OnnxModel, overrides: HeadOverrides = {}): Promise<CamHead> {
  const file = model.path;
  const err = (message: string, hint = OVERRIDE_HINT) => new HeadNotFoundError(message, { file, hint });
  const shapes = inferShapes(model);
  const at: Detection = { model, shapes, probe: overrides.probeShapes !== false, err };
  checkOverrideNames(at, overrides);
  const { found, reasons } = findCandidate(at);
  const tokenFlags = overrides.tokenGrid !== undefined || overrides.skipTokens !== undefined;
  if (tokenFlags || (found === undefined && overrides.classifierWeights === undefined)) {
    return detectTokenHead(model, overrides, { shapes, reasons, probe: at.probe, hint: OVERRIDE_HINT });
  }
  // Explicit overrides: trust the user, validate the shapes.
  if (overrides.classifierWeights !== undefined)
    return headFromOverrides(at, overrides.classifierWeights, overrides, found, reasons);
  if (found === undefined) throw err(`no CAM head found in the model: ${reasons.join('; ')}`);
  if (overrides.classifierBias !== undefined) {
    throw err('classifierBias given without classifierWeights', 'pass both, or neither');
  }
  return headFromCandidate(at, found, overrides.featureTensor ?? found.feature);
}

/** Tensors and initializers named by the overrides exist in the graph. */
function checkOverrideNames({ model, err }: Detection, overrides: HeadOverrides): void {
  const exists = (n: string) =>
    model.producer(n) !== undefined ||
    model.graph.inputs.some((i) => i.name === n) ||
    model.initializer(n) !== undefined;
  for (const [key, value] of [
    ['featureTensor', overrides.featureTensor],
    ['classifierWeights', overrides.classifierWeights],
    ['classifierBias', overrides.classifierBias],
  ] as const) {
    if (value === undefined) continue;
    if (
      key === 'featureTensor'
        ? !exists(value)
        : model.initializer(value) === undefined && constant(model, value) === undefined
    ) {
      throw err(
        key === 'featureTensor'
          ? `${key}: no tensor named '${value}' in the graph`
          : `${key}: no initializer named '${value}' in the graph`,
        'run `cam-localize inspect --verbose` or open the model in Netron to see tensor names',
      );
    }
  }
}

/** The first graph output with a head behind it, and why each earlier one has none. */
function findCandidate({ model, shapes }: Detection): { found?: Candidate; reasons: string[] } {
  const rank4 = (n: string) => {
    const s = shapes.get(n);
    return s === undefined || s.length === 4;
  };
  const reasons: string[] = [];
  for (const o of model.graph.outputs) {
    try {
      return { found: fromOutput(model, o.name, rank4), reasons };
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      reasons.push(e.message);
    }
  }
  return { reasons };
}

/** The shape of a feature map [N,K,h,w]: from the graph, else (where allowed or needed) by a probe run. */
async function featureShapeOf(at: Detection, name: string, needSpatial: boolean): Promise<StaticShape> {
  let s = at.shapes.get(name);
  const complete = (x: StaticShape | undefined) =>
    x !== undefined && x.length === 4 && x.slice(1).every((d) => d !== null);
  if (!complete(s) && (at.probe || needSpatial)) {
    if (!at.probe)
      throw at.err(`the size of feature map '${name}' cannot be worked out without running the model`);
    const probed = await probe(at.model, name);
    const batch = s?.[0] ?? at.model.realInputs()[0]?.shape?.[0];
    s = [typeof batch === 'number' ? probed[0]! : null, ...probed.slice(1)];
  }
  return s ?? [null, null, null, null];
}

/** A GAP-linear head from a classifier named by the user, its shapes checked against the features. */
async function headFromOverrides(
  at: Detection,
  weights: string,
  overrides: HeadOverrides,
  found: Candidate | undefined,
  reasons: readonly string[],
): Promise<CamHead> {
  const { model, err } = at;
  const feature = overrides.featureTensor ?? found?.feature;
  if (feature === undefined) {
    throw err(`classifierWeights given but no feature tensor: ${reasons.join('; ')}`);
  }
  const wT = constant(model, weights)!;
  if (wT.dims.length !== 2) {
    throw err(`classifierWeights '${wT.name}' has shape [${wT.dims.join(',')}]; a [C,K] matrix is needed`);
  }
  const [numClasses, channels] = wT.dims as [number, number];
  const fs = await featureShapeOf(at, feature, false);
  if (fs.length !== 4) throw err(`feature tensor '${feature}' has rank ${fs.length}; [N,K,h,w] is needed`);
  if (fs[1] !== null && fs[1] !== channels) {
    throw err(
      `feature tensor '${feature}' has ${fs[1]} channels but classifierWeights '${wT.name}' is [${numClasses},${channels}]` +
        (fs[1] === numClasses ? ' (transposed? it must be [C,K])' : ''),
    );
  }
  let bias: Float32Array | null = null;
  if (overrides.classifierBias !== undefined) {
    const bT = constant(model, overrides.classifierBias)!;
    if (bT.size !== numClasses) {
      throw err(
        `classifierBias '${bT.name}' has ${bT.size} values; the classifier has ${numClasses} classes`,
      );
    }
    bias = bT.floats();
  }
  const scoreTensor =
    found?.scoreTensor ??
    model.graph.outputs.find((o) => o.shape?.length === 2 && o.shape[1] === numClasses)?.name ??
    model.graph.outputs[0]!.name;
  return {
    kind: 'gap-linear',
    featureTensor: feature,
    featureShape: fs,
    channels,
    numClasses,
    weights: wT.floats(),
    bias,
    scoreTensor,
    path: ['(given)', 'GAP', 'Linear'],
    softmax: false,
  };
}

/** The head behind a graph output, on `feature` (the detected one, or the user's). */
async function headFromCandidate(at: Detection, found: Candidate, feature: string): Promise<CamHead> {
  const { err } = at;
  const fs = await featureShapeOf(at, feature, found.pool.kernel !== undefined);
  if (found.pool.kernel !== undefined) {
    const poolShape = feature === found.feature ? fs : await featureShapeOf(at, found.feature, true);
    const [kh, kw] = found.pool.kernel;
    if (poolShape[2] !== kh || poolShape[3] !== kw) {
      throw err(
        `${describeNode(found.pool.node)} has kernel ${kh}x${kw} but the feature map '${found.feature}' is ` +
          `${poolShape[2] ?? '?'}x${poolShape[3] ?? '?'}: not a global average`,
      );
    }
  }
  if (found.kind === 'class-map') {
    const c = found.classMapChannels!;
    if (fs[1] !== null && fs[1] !== c) {
      throw err(`feature tensor '${feature}' has ${fs[1]} channels; the class maps have ${c}`);
    }
    return {
      kind: 'class-map',
      featureTensor: feature,
      featureShape: fs,
      channels: c,
      numClasses: c,
      weights: null,
      bias: null,
      scoreTensor: found.scoreTensor,
      path: found.path,
      softmax: found.softmax,
    };
  }
  const lin = found.linear!;
  if (fs[1] !== null && fs[1] !== lin.channels) {
    throw err(
      `feature tensor '${feature}' has ${fs[1]} channels but ${describeNode(lin.node)} takes ${lin.channels}`,
    );
  }
  return {
    kind: 'gap-linear',
    featureTensor: feature,
    featureShape: fs,
    channels: lin.channels,
    numClasses: lin.numClasses,
    weights: lin.weights,
    bias: lin.bias,
    scoreTensor: found.scoreTensor,
    path: found.path,
    softmax: found.softmax,
  };
}
