/**
 * What the faithfulness metrics share: the map at input size, the pixels in order of relevance,
 * the class probability, and the trapezoidal area under a curve.
 */
import { CamError, minMaxInPlace, resampleScoreMap, type ScoreMap } from '@cam-localize/core';

/**
 * The map upsampled bilinearly to the input size and min-max normalised to [0, 1] (as
 * pytorch-grad-cam's `scale_cam_image`); a constant map becomes zeros. A map with a non-finite
 * value is refused: no metric is computed over it.
 */
export function mapAtInputSize(map: ScoreMap, width: number, height: number): Float32Array {
  for (let i = 0; i < map.data.length; i++) {
    if (!Number.isFinite(map.data[i]!)) {
      throw new CamError(`the explanation map holds a non-finite value at index ${i}`);
    }
  }
  const data =
    map.width === width && map.height === height
      ? map.data.slice()
      : resampleScoreMap(map, width, height, 'bilinear').data;
  return minMaxInPlace(data);
}

/** Pixel indices from the most to the least relevant (ties: lower index first, so the order is total). */
export function relevanceOrder(relevance: Float32Array): Int32Array {
  const order = new Int32Array(relevance.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => relevance[b]! - relevance[a]! || a - b);
}

/** Pixels among `total` that `step` of `steps` even steps cover: round(step * total / steps). */
export function pixelsAtStep(step: number, steps: number, total: number): number {
  return Math.round((step * total) / steps);
}

/**
 * The probability of `classIndex`: softmax over all classes of the model's scores (computed
 * stably), or the score itself where the model already ends in a softmax.
 */
export function classProbability(scores: Float32Array, classIndex: number, probabilities = false): number {
  if (!(classIndex >= 0 && classIndex < scores.length)) {
    throw new CamError(`class ${classIndex} is outside the model's ${scores.length} scores`);
  }
  if (probabilities) return scores[classIndex]!;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += Math.exp(scores[i]! - max);
  return Math.exp(scores[classIndex]! - max) / sum;
}

/**
 * Area under a curve sampled at the evenly spaced fractions 0, 1/S, ..., 1 (S + 1 values), by the
 * trapezoidal rule: (sum - first/2 - last/2) / S, as RISE's `auc` integrates.
 */
export function trapezoidAuc(curve: ArrayLike<number>): number {
  const steps = curve.length - 1;
  if (steps < 1) throw new CamError('a curve needs at least two points for its area');
  let sum = 0;
  for (let i = 0; i < curve.length; i++) sum += curve[i]!;
  return (sum - curve[0]! / 2 - curve[steps]! / 2) / steps;
}

/** Copies `input` ([3, plane]) into `into`, then sets the first `count` pixels of `order` from `source`. */
export function mixByOrder(
  input: Float32Array,
  source: Float32Array,
  order: Int32Array,
  count: number,
  into: Float32Array,
): void {
  into.set(input);
  const plane = order.length;
  for (let c = 0; c < 3; c++) {
    const offset = c * plane;
    for (let i = 0; i < count; i++) {
      const p = offset + order[i]!;
      into[p] = source[p]!;
    }
  }
}
