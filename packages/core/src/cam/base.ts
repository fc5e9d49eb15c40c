import { CamError } from '../errors.js';
import { type ScoreMap, scoreMap } from '../scoremap.js';
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

  /** Combines channel weights with the features; `sum_k w_k F_k` unless a method says otherwise. */
  protected combine(context: CamContext, weights: Float32Array): Float32Array {
    return weightedSum(context, weights);
  }

  /** The score map of `classIndex` on the feature grid, normalised as asked. */
  async compute(
    context: CamContext,
    classIndex: number,
    normalization: Normalization = 'relu-minmax',
  ): Promise<ScoreMap> {
    validateContext(context, classIndex);
    const weights = await this.channelWeights(context, classIndex);
    const map = this.combine(context, weights);
    return scoreMap(context.width, context.height, normalizeInPlace(map, normalization));
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
  if (weights === null) throw new CamError('E_CAM', 'a gap-linear head needs classifier weights');
  return weights.subarray(classIndex * channels, (classIndex + 1) * channels);
}

function validateContext(context: CamContext, classIndex: number): void {
  const { channels, width, height, features, head } = context;
  if (features.length !== channels * width * height) {
    throw new CamError(
      'E_CAM',
      `feature map holds ${features.length} values, expected ${channels}x${height}x${width}=${channels * width * height}`,
    );
  }
  const expectedChannels = head.kind === 'class-map' ? head.numClasses : head.channels;
  if (channels !== expectedChannels) {
    throw new CamError(
      'E_CAM',
      `feature map has ${channels} channels but the head expects ${expectedChannels}`,
    );
  }
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= head.numClasses) {
    throw new CamError('E_CAM', `class index ${classIndex} is outside 0..${head.numClasses - 1}`, {
      hint: 'targets are 0-based class indices of the model output',
    });
  }
}
