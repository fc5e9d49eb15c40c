/**
 * CAM on the device: the closed-form CAM methods appended to the model's own graph, so one
 * forward pass returns the class scores and the maps, and the feature tensor never leaves the
 * accelerator. The original bytes stay as they were (see graph-fragment.ts).
 *
 * Added input `cam_targets` int64 [N, T]: T classes per image; a negative value -1-j stands for
 * the class ranked j+1 by the model's scores (-1 = the predicted class), ranked in the graph with
 * TopK (ties: lower index first, as `rankClasses`). Added outputs `cam` float32 [N, T, h, w] (or
 * [N, T, H, W] resized) and `cam_classes` int64 [N, T] (the classes the maps are of).
 *
 * The map is computed as the JS path does (CamMethod.compute, normalize.ts, resample.ts):
 *   channel weights [N,T,K] -> MatMul with the features [N,K,h*w] -> `normalization` on the grid
 *   -> optional resize (MatMul with the resampling matrices of resample.ts) -> `resizedNormalization`.
 * `normalization: 'relu-minmax'` + resize = CamModel.cam then resampleScoreMap (the tool's order);
 * `normalization: 'none'` + resize + `resizedNormalization: 'minmax'` = resize then normalise
 * (wsolevaluation's order; the CLI's wsolevaluation frame normalises on both sides).
 */
import { type DeviceCamMethod, deviceCamSupport } from '../cam/device-cam-methods.js';
import type { CamGraphBuilder, GraphOps } from '../cam/graph-form.js';
import { createCamMethod } from '../cam/registry.js';
import type { Normalization } from '../cam/types.js';
import { CamError } from '../errors.js';
import type { CamHead } from '../head/detect.js';
import { type ResampleMethod, resampleMatrix } from '../resample.js';
import { GraphFragment } from './graph-fragment.js';
import { DataType, type OnnxDim, type OnnxModel } from './schema.js';

export const CAM_TARGETS_INPUT = 'cam_targets';
export const CAM_OUTPUT = 'cam';
export const CAM_CLASSES_OUTPUT = 'cam_classes';
const PREFIX = 'cam_device/';

export interface CamGraphResize {
  readonly width: number;
  readonly height: number;
  /** The kernels of resample.ts (OpenCV INTER_LINEAR / INTER_CUBIC / INTER_NEAREST_EXACT). */
  readonly mode: ResampleMethod;
}

export interface CamGraphOptions {
  readonly method: DeviceCamMethod;
  /** On the feature grid, before any resize (default 'relu-minmax', as CamModel.cam). */
  readonly normalization?: Normalization;
  /** Resize the maps to this size in the graph; omitted: maps on the feature grid. */
  readonly resize?: CamGraphResize;
  /** After the resize (default 'none'); 'minmax' gives wsolevaluation's resize-then-normalise. */
  readonly resizedNormalization?: Normalization;
  /** How deep negative targets may rank (-1 .. -maxRank); default min(5, classes). */
  readonly maxRank?: number;
}

export interface CamGraph {
  /** The original model bytes followed by the appended graph fragment. */
  readonly bytes: Uint8Array;
  /** The added int64 [N, T] input. */
  readonly targetsInput: typeof CAM_TARGETS_INPUT;
  /** The added float32 [N, T, height, width] output. */
  readonly camOutput: typeof CAM_OUTPUT;
  /** The added int64 [N, T] output: the class index each map is of. */
  readonly classesOutput: typeof CAM_CLASSES_OUTPUT;
  /** The model's class-score output (unchanged). */
  readonly scoreOutput: string;
  /** Every output to ask the session for: scores, maps, classes. */
  readonly outputs: readonly string[];
  readonly width: number;
  readonly height: number;
  readonly maxRank: number;
}

/** Appends the CAM of `options.method` to the model's graph (see the file comment). */
export function appendCamGraph(onnx: OnnxModel, head: CamHead, options: CamGraphOptions): CamGraph {
  const support = deviceCamSupport(options.method, head, onnx.opset);
  if (!support.ok) {
    throw new CamError(`cannot compute ${options.method} in the graph: ${support.reason}`, {
      file: onnx.path,
      hint: 'compute the CAM on the JS path',
    });
  }
  const maxRank = options.maxRank ?? Math.min(5, head.numClasses);
  if (!Number.isInteger(maxRank) || maxRank < 1 || maxRank > head.numClasses) {
    throw new CamError(`maxRank ${maxRank} is outside 1..${head.numClasses}`);
  }
  const resize = options.resize;
  if (resize !== undefined && !(isPositiveInteger(resize.width) && isPositiveInteger(resize.height))) {
    throw new CamError(`resize target must be positive integers, got ${resize.width}x${resize.height}`);
  }
  if (resize === undefined && (options.resizedNormalization ?? 'none') !== 'none') {
    throw new CamError('resizedNormalization needs a resize', {
      hint: 'give resize, or normalise on the grid with normalization',
    });
  }
  for (const name of [CAM_TARGETS_INPUT, CAM_OUTPUT, CAM_CLASSES_OUTPUT]) {
    if (
      onnx.producer(name) !== undefined ||
      onnx.initializer(name) !== undefined ||
      onnx.graph.inputs.some((i) => i.name === name)
    ) {
      throw new CamError(`the model already has a tensor named '${name}'`, { file: onnx.path });
    }
  }
  const h = head.featureShape[2] as number;
  const w = head.featureShape[3] as number;
  const f = new GraphFragment(onnx, PREFIX);
  const batch: OnnxDim = onnx.tensorShape(head.scoreTensor)?.[0] ?? null;
  f.addInput({ name: CAM_TARGETS_INPUT, elemType: DataType.INT64, shape: [batch, 'cam_targets_count'] });

  const classes = resolveTargets(f, head.scoreTensor, maxRank);
  f.nodeTo('Identity', [classes], [CAM_CLASSES_OUTPUT]);
  const features = f.node('Reshape', [head.featureTensor, f.int64s('shape', [3], [0, 0, -1])]);
  const weights = channelWeights(f, head, options.method, classes, h * w);
  const flat = f.node('MatMul', [weights, features]); // [N,T,h*w]
  let map = f.node('Reshape', [flat, f.int64s('shape', [4], [0, 0, h, w])]);
  map = normalize(f, map, options.normalization ?? 'relu-minmax');
  if (resize !== undefined) {
    map = resample(f, map, w, h, resize);
    map = normalize(f, map, options.resizedNormalization ?? 'none');
  }
  f.nodeTo('Identity', [map], [CAM_OUTPUT]);
  const width = resize?.width ?? w;
  const height = resize?.height ?? h;
  f.addOutput({
    name: CAM_OUTPUT,
    elemType: DataType.FLOAT,
    shape: [batch, 'cam_targets_count', height, width],
  });
  f.addOutput({ name: CAM_CLASSES_OUTPUT, elemType: DataType.INT64, shape: [batch, 'cam_targets_count'] });
  return {
    bytes: f.appendTo(),
    targetsInput: CAM_TARGETS_INPUT,
    camOutput: CAM_OUTPUT,
    classesOutput: CAM_CLASSES_OUTPUT,
    scoreOutput: head.scoreTensor,
    outputs: [head.scoreTensor, CAM_OUTPUT, CAM_CLASSES_OUTPUT],
    width,
    height,
    maxRank,
  };
}

/**
 * The `cam_targets` tensor for a batch: one row of T targets per image, each a class index in
 * 0..classes-1 or -1-j for the class ranked j+1 (j < maxRank). The graph cannot report a bad
 * value, so they are checked here.
 */
export function camTargetsTensor(
  rows: readonly (readonly number[])[],
  numClasses: number,
  maxRank: number,
): BigInt64Array {
  const count = rows[0]?.length ?? 0;
  const out = new BigInt64Array(rows.length * count);
  rows.forEach((row, n) => {
    if (row.length !== count) {
      throw new CamError(`cam targets: image ${n} has ${row.length} targets, image 0 has ${count}`);
    }
    row.forEach((t, i) => {
      if (!Number.isInteger(t) || t >= numClasses || t < -maxRank) {
        throw new CamError(
          `cam target ${t} of image ${n} is neither a class in 0..${numClasses - 1} nor a rank in -1..-${maxRank}`,
        );
      }
      out[n * count + i] = BigInt(t);
    });
  });
  return out;
}

/**
 * [N,T] int64 classes: the targets (the int64 [N,T] input `targets`), with negative ones replaced
 * by the class of that rank.
 */
export function resolveTargets(
  f: GraphFragment,
  scores: string,
  maxRank: number,
  targets: string = CAM_TARGETS_INPUT,
): string {
  const ranked = f.topKIndices(f.node('Flatten', [scores], { axis: { i: 1 } }), maxRank); // [N,R]
  const rank = f.node('Sub', [f.int64s('minus_one', [], [-1]), targets]); // -1-t
  const arange = f.int64s(
    'ranks',
    [maxRank],
    Array.from({ length: maxRank }, (_, j) => j),
  );
  const oneHot = f.cast(f.node('Equal', [f.unsqueeze(rank, [2]), arange]), DataType.FLOAT); // [N,T,R]
  const rankedF = f.unsqueeze(f.cast(ranked, DataType.FLOAT), [1]); // [N,1,R]
  // Integer-valued float arithmetic (exact below 2^24): one one-hot term, the rest zeros.
  const picked = f.reduce('ReduceSum', f.node('Mul', [oneHot, rankedF]), [2], false); // [N,T]
  const asked = f.cast(targets, DataType.FLOAT);
  const negative = f.cast(f.node('Less', [asked, f.floats('zero', [], [0])]), DataType.FLOAT);
  const resolved = f.node('Add', [asked, f.node('Mul', [negative, f.node('Sub', [picked, asked])])]);
  return f.cast(resolved, DataType.INT64);
}

/** The method's channel weights [N,T,K] for the resolved classes: its graph form (the method's file). */
function channelWeights(
  f: GraphFragment,
  head: CamHead,
  method: DeviceCamMethod,
  classes: string,
  size: number,
): string {
  const builder: CamGraphBuilder = {
    ...graphOps(f),
    gridSize: size,
    classRows: (map) => {
      if (head.kind === 'gap-linear') {
        const table = head.weights!.map(map);
        return f.node(
          'Gather',
          [f.floats('class_weights', [head.numClasses, head.channels], table), classes],
          {
            axis: { i: 0 },
          },
        );
      }
      // Class maps: one-hot rows [N,T,C], the 1s mapped as a weight of 1 would be.
      const arange = f.int64s(
        'classes',
        [head.numClasses],
        Array.from({ length: head.numClasses }, (_, c) => c),
      );
      const oneHot = f.cast(f.node('Equal', [f.unsqueeze(classes, [2]), arange]), DataType.FLOAT);
      const one = map(1);
      return one === 1 ? oneHot : f.node('Mul', [oneHot, f.floats('scale', [], [one])]);
    },
    channelSums: () => f.unsqueeze(f.reduce('ReduceSum', head.featureTensor, [2, 3], false), [1]), // [N,1,K]
  };
  const form = createCamMethod(method);
  if (form.graphWeights === undefined) throw new CamError(`${method} has no graph form`);
  return form.graphWeights(builder);
}

/** The ops a method's graph form writes with, over a fragment (float 0/1 masks from every opset's ops). */
export function graphOps(f: GraphFragment): GraphOps {
  const zero = () => f.floats('zero', [], [0]);
  return {
    op: (op, inputs) => f.node(op, inputs),
    scalar: (value) => f.floats('c', [], [value]),
    sum: (x, axes) => f.reduce('ReduceSum', x, axes, true),
    mean: (x, axes) => f.reduce('ReduceMean', x, axes, true),
    nonZero: (x) => f.cast(nonZero(f, x), DataType.FLOAT),
    positive: (x) => f.cast(f.node('Greater', [x, zero()]), DataType.FLOAT),
  };
}

/** x != 0 from ops every opset has (Equal on floats arrived only in opset 11). */
function nonZero(f: GraphFragment, x: string): string {
  const zero = f.floats('zero', [], [0]);
  return f.node('Or', [f.node('Greater', [x, zero]), f.node('Less', [x, zero])]);
}

/**
 * normalize.ts in the graph, per map over axes 2 and 3: ReLU (relu-minmax), then
 * (v - min) / (max - min) in float32; a map with a non-finite value (after the ReLU) or a zero
 * range becomes all zeros. Where arrived in opset 9; below it the zeros come from a mask, which
 * leaves a map holding NaN or Infinity as NaN rather than zeros.
 */
export function normalize(f: GraphFragment, x: string, normalization: Normalization): string {
  if (normalization === 'none') return x;
  const relu = normalization === 'relu-minmax';
  const inf = f.floats('inf', [], [Number.POSITIVE_INFINITY]);
  // ReLU maps -Infinity to 0, so only NaN and +Infinity spoil a relu-minmax map.
  let finite = f.node('Less', [x, inf]);
  if (!relu)
    finite = f.node('And', [
      finite,
      f.node('Greater', [x, f.floats('minus_inf', [], [Number.NEGATIVE_INFINITY])]),
    ]);
  const allFinite = f.reduce('ReduceMin', f.cast(finite, DataType.FLOAT), [2, 3], true); // [N,T,1,1]
  const y = relu ? f.node('Relu', [x]) : x;
  const lo = f.reduce('ReduceMin', y, [2, 3], true);
  const range = f.node('Sub', [f.reduce('ReduceMax', y, [2, 3], true), lo]);
  const zero = f.floats('zero', [], [0]);
  const rangeOk = f.node('And', [f.node('Greater', [range, zero]), f.node('Less', [range, inf])]);
  const ok = f.node('And', [rangeOk, f.node('Greater', [allFinite, f.floats('half', [], [0.5])])]);
  const shifted = f.node('Sub', [y, lo]);
  if (f.opset >= 9) return f.node('Where', [ok, f.node('Div', [shifted, range]), zero]);
  const safe = f.node('Add', [range, f.cast(f.node('Not', [rangeOk]), DataType.FLOAT)]);
  return f.node('Mul', [f.node('Div', [shifted, safe]), f.cast(ok, DataType.FLOAT)]);
}

/** [N,T,h,w] -> [N,T,H,W] as resampleScoreMap: rows first (M · R_xᵀ), then columns (R_y · ·). */
export function resample(f: GraphFragment, map: string, w: number, h: number, to: CamGraphResize): string {
  if (to.width === w && to.height === h) return map;
  const rx = resampleMatrix(to.width, w, to.mode);
  const rxT = new Float32Array(w * to.width);
  for (let i = 0; i < to.width; i++) for (let j = 0; j < w; j++) rxT[j * to.width + i] = rx[i * w + j]!;
  const rows = f.node('MatMul', [map, f.floats('resize_x', [w, to.width], rxT)]);
  return f.node('MatMul', [
    f.floats('resize_y', [to.height, h], resampleMatrix(to.height, h, to.mode)),
    rows,
  ]);
}

function isPositiveInteger(v: number): boolean {
  return Number.isInteger(v) && v > 0;
}
