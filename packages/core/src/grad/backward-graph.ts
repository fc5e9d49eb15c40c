/**
 * Reverse-mode differentiation of an ONNX graph, done in the graph: from the class scores back to
 * one or more layers, the backward pass is appended to the model as ONNX nodes (the original bytes
 * stay a prefix, as in cam-graph.ts). One session run then returns, for a batch and one target
 * class per image, each layer's activation and d score / d activation, on whatever device the
 * session runs.
 *
 * Added input `grad_targets` int64 [N, 1]: the class of each image, or -1-j for the class ranked
 * j+1 (-1: the predicted class). Added outputs: `grad_classes` int64 [N, 1] (the classes the
 * gradients are of), `gradient_<i>` float32 shaped like layer i, and the layers themselves.
 *
 * The walk: the nodes between the layers and the scores (path.ts) in reverse order; each node's
 * output gradients are summed where a tensor feeds several nodes, and its rule (rules/) emits the
 * gradients of its inputs. An op without a rule on that path is a GradientError, never a zero.
 */
import { CamError, GradientError } from '../errors.js';
import { resolveTargets } from '../onnx/cam-graph.js';
import { GraphFragment } from '../onnx/graph-fragment.js';
import { DataType, describeNode, type OnnxModel } from '../onnx/schema.js';
import { differentiableInputs, type GradientPath, gradientPath } from './path.js';
import { elemTypeOf, type ProbedTensors, probeTensors } from './probe.js';
import { RuleContext } from './rule-context.js';
import { gradientRule } from './rules/index.js';

export const GRAD_TARGETS_INPUT = 'grad_targets';
export const GRAD_CLASSES_OUTPUT = 'grad_classes';
export const GRAD_PREFIX = 'grad_backward/';

export interface GradientGraphOptions {
  /** The tensors to differentiate with respect to (Layer-CAM may fuse several). */
  readonly layers: readonly string[];
  /** The class scores [N, C] (or [N, C, 1, 1]) the targets pick from. */
  readonly scoreTensor: string;
  /** Shapes and integer values of the path's tensors (probeTensors). */
  readonly probed: ProbedTensors;
  /** How deep negative targets may rank; default min(5, classes). */
  readonly maxRank?: number;
}

export interface GradientGraph {
  readonly bytes: Uint8Array;
  readonly targetsInput: typeof GRAD_TARGETS_INPUT;
  readonly classesOutput: typeof GRAD_CLASSES_OUTPUT;
  readonly scoreOutput: string;
  /** The layers, in the order asked (their activations are outputs too). */
  readonly layers: readonly string[];
  /** d score / d layer, one per layer. */
  readonly gradientOutputs: readonly string[];
  /** Every output to ask the session for. */
  readonly outputs: readonly string[];
  readonly maxRank: number;
  /** The number of nodes differentiated. */
  readonly nodes: number;
}

/**
 * The first node on the path from `layers` to `scoreTensor` that has no differentiation rule, or
 * undefined when every one has (what `inspect` reports without building anything).
 */
export function missingGradientRule(model: OnnxModel, layers: readonly string[], scoreTensor: string) {
  return gradientPath(model, layers, scoreTensor).nodes.find((n) => gradientRule(n.opType) === undefined);
}

/** The backward pass written into a fragment: the gradient of each layer, and the resolved classes. */
export interface Backward {
  /** d score / d layer, one tensor per layer (in the fragment). */
  readonly gradients: readonly string[];
  /** The classes the gradients are of, int64 [N,1]. */
  readonly classes: string;
  readonly maxRank: number;
  /** The number of nodes differentiated. */
  readonly nodes: number;
}

/**
 * Writes the backward pass into `f`: adds the `grad_targets` input, resolves the targets, and
 * walks the path from the scores back to the layers (see the file comment).
 */
export function writeBackward(f: GraphFragment, model: OnnxModel, options: GradientGraphOptions): Backward {
  const { layers, scoreTensor, probed } = options;
  const path = gradientPath(model, layers, scoreTensor);
  checkPath(model, path, layers, scoreTensor);
  const scoreShape = probed.shapes.get(scoreTensor);
  const numClasses = scoreShape === undefined ? 0 : scoreShape.slice(1).reduce((a, b) => a * b, 1);
  const maxRank = options.maxRank ?? Math.min(5, numClasses);
  if (!Number.isInteger(maxRank) || maxRank < 1 || maxRank > numClasses) {
    throw new CamError(`maxRank ${maxRank} is outside 1..${numClasses}`);
  }
  f.addInput({ name: GRAD_TARGETS_INPUT, elemType: DataType.INT64, shape: [null, 1] });
  const classes = resolveTargets(f, scoreTensor, maxRank, GRAD_TARGETS_INPUT); // [N,1]

  const grads = new Map<string, string[]>();
  const add = (tensor: string, grad: string) => {
    const list = grads.get(tensor);
    if (list === undefined) grads.set(tensor, [grad]);
    else list.push(grad);
  };
  const total = (tensor: string): string | undefined => {
    const list = grads.get(tensor);
    if (list === undefined) return undefined;
    if (list.length > 1) grads.set(tensor, [f.node('Sum', list)]);
    return grads.get(tensor)![0];
  };
  add(scoreTensor, seed(f, scoreTensor, classes, numClasses));

  for (let n = path.nodes.length - 1; n >= 0; n--) {
    const node = path.nodes[n]!;
    const outputGrads = node.outputs.map(total);
    if (outputGrads.every((g) => g === undefined)) continue;
    const differentiable = differentiableInputs(node);
    const wanted = node.inputs.map((t, i) => differentiable.includes(i) && path.tensors.has(t));
    const ctx = new RuleContext(f, model, node, probed, wanted, layers.join(', '));
    const inputGrads = gradientRule(node.opType)!.rule(ctx, outputGrads);
    node.inputs.forEach((t, i) => {
      const g = inputGrads[i];
      if (!wanted[i]) return;
      if (g === undefined) throw ctx.error(`the rule gave no gradient for input ${i}`);
      add(t, g);
    });
  }
  const gradients = layers.map((layer) => {
    const g = total(layer);
    if (g === undefined) throw new GradientError(`no gradient reaches '${layer}'`, { file: model.path });
    return g;
  });
  return { gradients, classes, maxRank, nodes: path.nodes.length };
}

/** Refuses a path the scores do not depend on, an op without a rule, or a tensor that is not float32. */
function checkPath(
  model: OnnxModel,
  path: GradientPath,
  layers: readonly string[],
  scoreTensor: string,
): void {
  const where = `'${layers.join("', '")}'`;
  if (!path.tensors.has(scoreTensor)) {
    throw new GradientError(`the scores '${scoreTensor}' do not depend on ${where}`, {
      file: model.path,
      hint: 'choose a layer between the input and the scores',
    });
  }
  for (const node of path.nodes) {
    if (gradientRule(node.opType) === undefined) {
      throw new GradientError(
        `${describeNode(node)} on the path from ${where} to the scores has no differentiation rule`,
        { file: model.path, hint: 'choose a layer after it, or a method without gradients' },
      );
    }
  }
  for (const t of path.tensors) {
    if (elemTypeOf(model, t) !== DataType.FLOAT) {
      throw new GradientError(`tensor '${t}' on the path from ${where} is not float32`, { file: model.path });
    }
  }
}

export function appendGradientGraph(model: OnnxModel, options: GradientGraphOptions): GradientGraph {
  const f = new GraphFragment(model, GRAD_PREFIX);
  const { layers, scoreTensor } = options;
  const backward = writeBackward(f, model, options);
  f.nodeTo('Identity', [backward.classes], [GRAD_CLASSES_OUTPUT]);
  const gradientOutputs = layers.map((_, i) => `gradient_${i}`);
  layers.forEach((layer, i) => {
    f.nodeTo('Identity', [backward.gradients[i]!], [gradientOutputs[i]!]);
    f.addOutput({ name: gradientOutputs[i]!, elemType: DataType.FLOAT, shape: null });
    if (!model.graph.outputs.some((o) => o.name === layer))
      f.addOutput({ name: layer, elemType: DataType.FLOAT, shape: null });
  });
  f.addOutput({ name: GRAD_CLASSES_OUTPUT, elemType: DataType.INT64, shape: [null, 1] });
  return {
    bytes: f.appendTo(),
    targetsInput: GRAD_TARGETS_INPUT,
    classesOutput: GRAD_CLASSES_OUTPUT,
    scoreOutput: scoreTensor,
    layers,
    gradientOutputs,
    outputs: [scoreTensor, ...layers, ...gradientOutputs, GRAD_CLASSES_OUTPUT],
    maxRank: backward.maxRank,
    nodes: backward.nodes,
  };
}

/** d score / d scores: one-hot of each image's class, shaped like the scores. */
function seed(f: GraphFragment, scores: string, classes: string, numClasses: number): string {
  const arange = f.int64s(
    'classes',
    [numClasses],
    Array.from({ length: numClasses }, (_, c) => c),
  );
  const oneHot = f.cast(f.node('Equal', [classes, arange]), DataType.FLOAT); // [N,C]
  return f.node('Reshape', [oneHot, f.node('Shape', [scores])]);
}

/**
 * Probes the model's shapes on zeros of `inputDims` (batch first), then appends the backward
 * graph: the one call a library user needs to get gradients out of any ONNX classifier.
 *
 * @example
 * const graph = await buildGradientGraph(model, { layers: ['/layer3/layer3.1/relu_1/Relu_output_0'],
 *   scoreTensor: 'logits', inputDims: [1, 3, 224, 224] });
 * // a session on graph.bytes takes `grad_targets` and returns graph.gradientOutputs
 */
export async function buildGradientGraph(
  model: OnnxModel,
  options: Omit<GradientGraphOptions, 'probed'> & { readonly inputDims: readonly number[] },
): Promise<GradientGraph> {
  const path = gradientPath(model, options.layers, options.scoreTensor);
  const tensors = [
    options.scoreTensor,
    ...options.layers,
    ...path.nodes.flatMap((n) => [...n.inputs, ...n.outputs]),
  ];
  const probed = await probeTensors(
    model,
    tensors.filter((t) => t !== ''),
    options.inputDims,
  );
  return appendGradientGraph(model, { ...options, probed });
}
