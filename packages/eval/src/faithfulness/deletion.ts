import { CamError } from '@cam-localize/core';
import { mapAtInputSize, mixByOrder, pixelsAtStep, relevanceOrder, trapezoidAuc } from './pixels.js';
import type { FaithfulnessImage, FaithfulnessMetric, PerturbationPlan } from './types.js';

/** A probability curve over the fraction of pixels perturbed (0, 1/S, ..., 1) and its area. */
export interface CurveResult {
  readonly auc: number;
  /** S + 1 class probabilities. */
  readonly curve: number[];
}

/** What replaces a deleted pixel: 0 in the model's input space, or the image's per-channel mean. */
export type DeletionBaseline = 'zero' | 'mean';

export interface DeletionOptions {
  /** Even steps from no pixel to all pixels (default 20). */
  readonly steps?: number;
  readonly baseline?: DeletionBaseline;
}

/**
 * Deletion AUC: Petsiuk et al., "RISE: Randomized Input Sampling for Explanation of Black-box
 * Models", BMVC 2018, section 4.1.
 *
 * Pixels are deleted in order of the map (upsampled bilinearly to the input size; most relevant
 * first, ties by index) in S even steps: at step k the first round(k * HW / S) pixels take the
 * baseline value in all three channels, either 0 in the model's input space (RISE's code:
 * `torch.zeros_like`) or the image's per-channel mean. The curve is the softmax probability of the
 * explained class at k = 0..S; the score is its area by the trapezoidal rule over the fraction
 * k/S in [0, 1] (lower is better: a faithful map makes the probability fall fast).
 *
 * S forward passes per image: the curve's first point is the unperturbed image's probability.
 */
export class Deletion implements FaithfulnessMetric<CurveResult> {
  readonly name = 'deletion';
  readonly steps: number;
  readonly baseline: DeletionBaseline;

  constructor(options: DeletionOptions = {}) {
    this.steps = checkSteps(options.steps ?? 20);
    this.baseline = options.baseline ?? 'zero';
  }

  plan(image: FaithfulnessImage): PerturbationPlan<CurveResult> {
    const order = relevanceOrder(mapAtInputSize(image.map, image.width, image.height));
    const source = deletionBaseline(image.input, order.length, this.baseline);
    const steps = this.steps;
    return {
      count: steps,
      fill: (index, into) =>
        mixByOrder(image.input, source, order, pixelsAtStep(index + 1, steps, order.length), into),
      finish: (probabilities) => {
        const curve = [image.probability, ...probabilities];
        return { auc: trapezoidAuc(curve), curve };
      },
    };
  }
}

/** The image the deleted pixels take their values from. */
function deletionBaseline(input: Float32Array, plane: number, baseline: DeletionBaseline): Float32Array {
  const out = new Float32Array(input.length);
  if (baseline === 'zero') return out;
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let p = 0; p < plane; p++) sum += input[c * plane + p]!;
    out.fill(sum / plane, c * plane, (c + 1) * plane);
  }
  return out;
}

/** A step count: a positive integer. */
export function checkSteps(steps: number): number {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new CamError(`the number of steps must be a positive integer, got ${steps}`);
  }
  return steps;
}
