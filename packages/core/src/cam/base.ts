import { CamError } from '../errors.js';
import { type ScoreMap, scoreMap } from '../scoremap.js';
import type { CamGraphBuilder, GradientGraphBuilder } from './graph-form.js';
import { normalizeInPlace } from './normalize.js';
import type { CamContext, Normalization } from './types.js';

/**
 * The base of every CAM method, in the manner of torch-cam: a method only says how much each
 * feature channel counts for a class (`channelWeights`); the base validates the inputs, forms
 * the weighted sum `sum_k w_k F_k` on typed arrays and normalises it. Names, papers and what each
 * method needs live in one table, `CAM_METHODS` (registry.ts).
 */
export abstract class CamMethod {
  /** Channel weights [K] of class `classIndex` for this image. */
  protected abstract channelWeights(
    context: CamContext,
    classIndex: number,
  ): Float32Array | Promise<Float32Array>;

  /**
   * The map from real gradients: `gradients` [K,h,w] = dY_c/dF (the backward graph's, grad/). Only
   * the gradient methods have it (their `backprop` row in CAM_METHODS); a GAP-linear head gives
   * gradients constant over the grid, where this equals the closed form.
   */
  protected gradientMap?(context: CamContext, gradients: Float32Array): Float32Array;

  /**
   * A method that reads the features alone (Eigen-CAM) serves a layer explained by backprop too (a
   * model without a linear head): it leaves the gradients aside.
   */
  protected readonly ignoresGradients: boolean = false;

  /** The closed form in the model's graph (`--cam-on-device`): channel weights [N,T,K]. */
  graphWeights?(g: CamGraphBuilder): string;

  /** The backprop form in the model's graph: the map [N,1,h,w] from the layer and its gradient. */
  graphGradientMap?(g: GradientGraphBuilder): string;

  /** Combines channel weights with the features; `sum_k w_k F_k` unless a method says otherwise. */
  protected combine(context: CamContext, weights: Float32Array): Float32Array | Promise<Float32Array> {
    return weightedSum(context, weights);
  }

  /** The score map of `classIndex` on the feature grid, normalised as asked. */
  async compute(
    context: CamContext,
    classIndex: number,
    normalization: Normalization = 'relu-minmax',
  ): Promise<ScoreMap> {
    validateContext(context, classIndex);
    const gradients = context.gradients;
    let map: Float32Array;
    if (gradients === undefined || this.ignoresGradients)
      map = await this.combine(context, await this.channelWeights(context, classIndex));
    else if (this.gradientMap === undefined) {
      throw new CamError(`${this.constructor.name} has no form over real gradients`, {
        hint: 'use a gradient method (gradcam, gradcampp, xgradcam, layercam, hirescam, gradcam-elementwise)',
      });
    } else if (gradients.length !== context.features.length) {
      throw new CamError(
        `gradients hold ${gradients.length} values, the features ${context.features.length}`,
      );
    } else map = this.gradientMap(context, gradients);
    return scoreMap(context.width, context.height, this.normalize(map, normalization));
  }

  /** Normalises the map in place; a `--compat` form whose library normalises otherwise overrides it. */
  protected normalize(map: Float32Array, normalization: Normalization): Float32Array {
    return normalizeInPlace(map, normalization);
  }
}

/** sum_k weights[k] * F_k, skipping zero weights (class-map heads are one-hot). */
export function weightedSum(context: CamContext, weights: Float32Array): Float32Array {
  const { features, channels } = context;
  const size = context.width * context.height;
  const out = new Float32Array(size);
  for (let k = 0; k < channels; k++) {
    const w = weights[k]!;
    if (w === 0) continue;
    const offset = k * size;
    for (let p = 0; p < size; p++) out[p] = out[p]! + w * features[offset + p]!;
  }
  return out;
}

/** The mean of each channel's gradient over the grid, [K]: Grad-CAM's weights. */
export function meanGradients(
  context: Pick<CamContext, 'channels' | 'width' | 'height'>,
  gradients: Float32Array,
): Float32Array {
  const size = context.width * context.height;
  const weights = new Float32Array(context.channels);
  for (let k = 0; k < context.channels; k++) {
    let sum = 0;
    for (let p = k * size; p < (k + 1) * size; p++) sum += gradients[p]!;
    weights[k] = sum / size;
  }
  return weights;
}

/** sum_k term(G_k(p), F_k(p)) at every grid position p: the pixel-wise gradient methods. */
export function pixelwiseSum(
  context: Pick<CamContext, 'features' | 'channels' | 'width' | 'height'>,
  gradients: Float32Array,
  term: (gradient: number, feature: number) => number,
): Float32Array {
  const size = context.width * context.height;
  const out = new Float32Array(size);
  for (let k = 0; k < context.channels; k++) {
    const offset = k * size;
    for (let p = 0; p < size; p++)
      out[p] = out[p]! + term(gradients[offset + p]!, context.features[offset + p]!);
  }
  return out;
}

/** Sum of each channel's values over the grid, [K] in float64. */
export function channelSums(
  context: Pick<CamContext, 'features' | 'channels' | 'width' | 'height'>,
): Float64Array {
  const size = context.width * context.height;
  const sums = new Float64Array(context.channels);
  for (let k = 0; k < context.channels; k++) {
    let sum = 0;
    const offset = k * size;
    for (let p = 0; p < size; p++) sum += context.features[offset + p]!;
    sums[k] = sum;
  }
  return sums;
}

/**
 * The gradient of class score c with respect to channel k's average, for one image: W[c,k] on a
 * GAP-linear head, one-hot on a class-map head. The gradient with respect to F_k(x,y) is this
 * divided by h*w, which is what the closed forms of the gradient methods build on.
 */
export function classWeightRow(context: CamContext, classIndex: number): Float32Array {
  const { head, channels } = context;
  if (head.kind === 'class-map') {
    const row = new Float32Array(channels);
    row[classIndex] = 1;
    return row;
  }
  const weights = head.weights;
  if (weights === null) throw new CamError('a gap-linear head needs classifier weights');
  return weights.subarray(classIndex * channels, (classIndex + 1) * channels);
}

function validateContext(context: CamContext, classIndex: number): void {
  const { channels, width, height, features, head } = context;
  if (features.length !== channels * width * height) {
    throw new CamError(
      `feature map holds ${features.length} values, expected ${channels}x${height}x${width}=${channels * width * height}`,
    );
  }
  const expectedChannels = head.kind === 'class-map' ? head.numClasses : head.channels;
  if (channels !== expectedChannels) {
    throw new CamError(`feature map has ${channels} channels but the head expects ${expectedChannels}`);
  }
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= head.numClasses) {
    throw new CamError(`class index ${classIndex} is outside 0..${head.numClasses - 1}`, {
      hint: 'targets are 0-based class indices of the model output',
    });
  }
}
