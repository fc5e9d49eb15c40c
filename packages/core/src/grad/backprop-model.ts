/**
 * A model made ready for gradient CAMs at any layer: the layer resolved, the shapes probed, the
 * backward graph appended, and a CAM head that describes the layer (kind 'layer' for a feature
 * map without a usable linear head, 'tokens' for a transformer's tokens). `CamModel.load` uses it
 * when a gradient method must read real gradients; the closed forms stay where they apply.
 */
import { UsageError } from '../errors.js';
import type { CamHead } from '../head/detect.js';
import { describeNode, type OnnxModel } from '../onnx/schema.js';
import { appendGradientGraph, type GradientGraph } from './backward-graph.js';
import {
  type LayerGrid,
  type LayerRequest,
  lastAttentionInputs,
  layerGrid,
  logitsOf,
  pooledLayer,
  resolveLayerName,
} from './layer.js';
import { gradientPath } from './path.js';
import { type ProbedTensors, probeTensors } from './probe.js';

export interface BackpropModel {
  readonly graph: GradientGraph;
  readonly head: CamHead;
  /** How each layer's values make a grid, per layer. */
  readonly grids: readonly LayerGrid[];
  /** The model's class-score output (what the scores of an inference are). */
  readonly scoreOutput: string;
  /** The scores the gradients start from (the logits of a final Softmax, else scoreOutput). */
  readonly logits: string;
  /** The layers differentiated (resolved tensor names). */
  readonly layers: readonly string[];
  /** The probe's shapes, to build another graph over the same path (the maps on the device). */
  readonly probed: ProbedTensors;
}

/**
 * Whether gradient methods need the backward graph on this model: a layer other than the head's
 * features was asked for, or the head has no closed form (token features, or no head found).
 */
export function needsBackprop(model: OnnxModel, request: LayerRequest, head: CamHead | undefined): boolean {
  if (head === undefined || request.always === true) return true;
  if (request.featuresOnly === true) return false;
  if (head.kind === 'tokens') return true;
  const layers = request.layers?.map((l) => resolveLayerName(model, l));
  return layers !== undefined && (layers.length !== 1 || layers[0] !== head.featureTensor);
}

export async function prepareBackprop(
  model: OnnxModel,
  request: LayerRequest,
  inputDims: readonly number[],
  head: CamHead | undefined,
): Promise<BackpropModel> {
  const scoreOutput = head?.scoreTensor ?? model.graph.outputs[0]?.name ?? '';
  const logits = logitsOf(model, scoreOutput);
  const fallback =
    head?.kind === 'tokens'
      ? await attentionLayer(model, head, inputDims)
      : (head?.featureTensor ?? pooledLayer(model, scoreOutput));
  const layers =
    request.layers?.map((l) => resolveLayerName(model, l)) ?? (fallback === undefined ? [] : [fallback]);
  if (layers.length === 0) {
    // No head and no global average to take the layer from: the user names it.
    throw new UsageError(
      'no CAM head and no global average pooling found to take the layer from: name the layer to explain',
      {
        file: model.path,
        hint: '`layer: <tensor or node-name prefix>`; `cam-localize inspect MODEL --layers` lists candidates',
      },
    );
  }
  const path = gradientPath(model, layers, logits);
  const tensors = [logits, scoreOutput, ...layers, ...path.nodes.flatMap((n) => [...n.inputs, ...n.outputs])];
  const probed = await probeTensors(
    model,
    tensors.filter((t) => t !== ''),
    inputDims,
  );
  const graph = appendGradientGraph(model, { layers, scoreTensor: logits, probed });
  const grids = layers.map((layer) => layerGrid(probed.shapes.get(layer) ?? [], request, layer, model.path));
  const grid = grids[0]!;
  const numClasses = (probed.shapes.get(scoreOutput) ?? [0, 0]).slice(1).reduce((a, b) => a * b, 1);
  const layerHead: CamHead = {
    kind: grid.layout === 'tokens' ? 'tokens' : 'layer',
    featureTensor: layers[0]!,
    featureShape: [null, grid.channels, grid.height, grid.width],
    channels: grid.channels,
    numClasses,
    weights: null,
    bias: null,
    scoreTensor: scoreOutput,
    path: path.nodes.map((n) => n.opType),
    softmax: logits !== scoreOutput,
    ...(grid.layout === 'tokens' ? { tokens: grid.tokens } : {}),
    ...(grid.layout === 'nhwc' ? { layout: 'nhwc' as const } : {}),
  };
  return { graph, head: layerHead, grids, scoreOutput, logits, layers, probed };
}

/** "Conv '/layer4/...' -> ... -> Gemm" in short, for messages. */
export function describePath(model: OnnxModel, layers: readonly string[], scores: string): string {
  const nodes = gradientPath(model, layers, logitsOf(model, scores)).nodes;
  return nodes.length <= 4
    ? nodes.map(describeNode).join(' -> ')
    : `${describeNode(nodes[0]!)} -> ... (${nodes.length - 2} nodes) -> ${describeNode(nodes[nodes.length - 1]!)}`;
}

/**
 * A transformer's default layer: the nearest ancestor of its last attention with the token
 * features' shape (see lastAttentionInputs); the token features themselves when there is none.
 */
async function attentionLayer(
  model: OnnxModel,
  head: CamHead,
  inputDims: readonly number[],
): Promise<string> {
  const candidates = lastAttentionInputs(model, head.featureTensor);
  if (candidates.length === 0) return head.featureTensor;
  const probed = await probeTensors(model, [head.featureTensor, ...candidates], inputDims);
  const want = probed.shapes.get(head.featureTensor)?.join(',');
  return candidates.find((t) => probed.shapes.get(t)?.join(',') === want) ?? head.featureTensor;
}
