/**
 * Gradient CAMs on the device: the backward graph (backward-graph.ts) followed by the method's
 * backprop form in the graph (`CamMethod.graphGradientMap`, in each method's file), normalised and
 * resized as cam-graph.ts does for the closed forms. One session run returns the scores and one map
 * per image; the layer and its gradient never leave the device.
 *
 * Input `grad_targets` int64 [N,1] (as the backward graph); outputs `cam` float32 [N,1,h,w] (or
 * [N,1,H,W] resized) and `cam_classes` int64 [N,1], as appendCamGraph's with one target.
 */
import type { GraphOps } from '../cam/graph-form.js';
import { CAM_METHODS, type CamMethodName, createCamMethod } from '../cam/registry.js';
import type { Normalization } from '../cam/types.js';
import { CamError } from '../errors.js';
import {
  CAM_CLASSES_OUTPUT,
  CAM_OUTPUT,
  type CamGraphResize,
  graphOps,
  normalize,
  resample,
} from '../onnx/cam-graph.js';
import { GraphFragment } from '../onnx/graph-fragment.js';
import { DataType, type OnnxModel } from '../onnx/schema.js';
import {
  GRAD_PREFIX,
  GRAD_TARGETS_INPUT,
  type GradientGraphOptions,
  writeBackward,
} from './backward-graph.js';
import type { LayerGrid } from './layer.js';

export interface GradientCamGraphOptions extends GradientGraphOptions {
  readonly method: CamMethodName;
  /** How the (first) layer's values make the grid. */
  readonly grid: LayerGrid;
  readonly normalization?: Normalization;
  readonly resize?: CamGraphResize;
  readonly resizedNormalization?: Normalization;
}

export interface GradientCamGraph {
  readonly bytes: Uint8Array;
  readonly targetsInput: typeof GRAD_TARGETS_INPUT;
  readonly camOutput: typeof CAM_OUTPUT;
  readonly classesOutput: typeof CAM_CLASSES_OUTPUT;
  readonly scoreOutput: string;
  readonly outputs: readonly string[];
  readonly width: number;
  readonly height: number;
  readonly maxRank: number;
}

export function appendGradientCamGraph(model: OnnxModel, options: GradientCamGraphOptions): GradientCamGraph {
  const method = createCamMethod(options.method);
  if (CAM_METHODS[options.method].backprop !== true || method.graphGradientMap === undefined) {
    throw new CamError(`${options.method} has no backprop form in the graph`);
  }
  const f = new GraphFragment(model, GRAD_PREFIX);
  const backward = writeBackward(f, model, options);
  const { grid } = options;
  const ops: GraphOps = graphOps(f);
  const activation = toGrid(f, options.layers[0]!, grid);
  const gradient = toGrid(f, backward.gradients[0]!, grid);
  let map = method.graphGradientMap({ ...ops, activation, gradient }); // [N,1,h,w]
  map = normalize(f, map, options.normalization ?? 'relu-minmax');
  const resize = options.resize;
  if (resize !== undefined) {
    map = resample(f, map, grid.width, grid.height, resize);
    map = normalize(f, map, options.resizedNormalization ?? 'none');
  }
  f.nodeTo('Identity', [map], [CAM_OUTPUT]);
  f.nodeTo('Identity', [backward.classes], [CAM_CLASSES_OUTPUT]);
  const width = resize?.width ?? grid.width;
  const height = resize?.height ?? grid.height;
  f.addOutput({ name: CAM_OUTPUT, elemType: DataType.FLOAT, shape: [null, 1, height, width] });
  f.addOutput({ name: CAM_CLASSES_OUTPUT, elemType: DataType.INT64, shape: [null, 1] });
  return {
    bytes: f.appendTo(),
    targetsInput: GRAD_TARGETS_INPUT,
    camOutput: CAM_OUTPUT,
    classesOutput: CAM_CLASSES_OUTPUT,
    scoreOutput: options.scoreTensor,
    outputs: [options.scoreTensor, CAM_OUTPUT, CAM_CLASSES_OUTPUT],
    width,
    height,
    maxRank: backward.maxRank,
  };
}

/** A layer's tensor as [N,K,h,w]: channels moved first, leading tokens dropped. */
function toGrid(f: GraphFragment, tensor: string, grid: LayerGrid): string {
  if (grid.layout === 'nchw') return tensor;
  let nhwc = tensor;
  if (grid.layout === 'tokens') {
    const { skip, count } = grid.tokens;
    const patches = skip === 0 ? tensor : f.slice(tensor, [skip], [count], [1]);
    nhwc = f.node('Reshape', [patches, f.int64s('grid', [4], [0, grid.height, grid.width, grid.channels])]);
  }
  return f.node('Transpose', [nhwc], { perm: { ints: [0, 3, 1, 2] } });
}
